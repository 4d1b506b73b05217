using Cmux.Load.Cli;

// Socket completions run on the runtime's event threads (one per core) instead of hopping to the
// thread pool: a load client is then an event loop per core, as wrk is, and spends its share of
// the cores on requests rather than on hand-offs (eng/compare.sh). Set before any socket exists;
// an explicit setting in the environment wins.
if (Environment.GetEnvironmentVariable("DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS") is null)
{
    Environment.SetEnvironmentVariable("DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS", "1");
}

return await CommandLineApp.RunAsync(args);
