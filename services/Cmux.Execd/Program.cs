using Cmux.Execd;

ExecdApplication.Build(args).Run();
