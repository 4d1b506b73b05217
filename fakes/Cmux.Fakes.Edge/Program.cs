using Cmux.Fakes.Edge;

EdgeApp.Build(args).Run();
