using Cmux.Router;

RouterServices.BuildRouter(args).Run();
