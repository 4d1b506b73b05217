using Cmux.Fakes.Morph;

MorphFakeApp.Build(args).Run();
