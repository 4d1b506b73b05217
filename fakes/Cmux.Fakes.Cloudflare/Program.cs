using Cmux.Fakes.Cloudflare;

CloudflareFakeApp.Build(args).Run();
