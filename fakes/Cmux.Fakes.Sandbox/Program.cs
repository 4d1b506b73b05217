using Cmux.Fakes.Sandbox;

SandboxHostApplication.Build(args).Run();
