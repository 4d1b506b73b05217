using Cmux.Fakes.Pve;

PveFakeApp.Build(args).Run();
