using Cmux.Load.Cli;

return await CommandLineApp.RunAsync(args);
