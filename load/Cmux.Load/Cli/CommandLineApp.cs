namespace Cmux.Load.Cli;

/// <summary>The <c>cmux-load</c> command: <c>run</c> and <c>help</c>. Exit 0 passed, 1 failed verdict, 2 bad input or a run that could not start.</summary>
public static class CommandLineApp
{
    public static async Task<int> RunAsync(string[] args)
    {
        if (args.Length == 0 || args[0] is "help" or "--help" or "-h")
        {
            Console.WriteLine(Help());
            return args.Length == 0 ? 2 : 0;
        }
        if (args[0] != "run")
        {
            Console.Error.WriteLine($"cmux-load: unknown command '{args[0]}'. Try 'cmux-load --help'.");
            return 2;
        }
        using var cancel = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            cancel.Cancel();
        };
        try
        {
            var line = CommandLine.Parse(args[1..], RunCommand.Options);
            if (line.Flag("help"))
            {
                Console.WriteLine(Help());
                return 0;
            }
            return await RunCommand.RunAsync(line, cancel.Token);
        }
        catch (UsageException e)
        {
            Console.Error.WriteLine($"cmux-load: {e.Message}. Try 'cmux-load run --help'.");
            return 2;
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or System.Net.Sockets.SocketException)
        {
            Console.Error.WriteLine($"cmux-load: {e.Message}");
            return 2;
        }
    }

    private static string Help() =>
        "usage: cmux-load run --scenario NAME --target URL [options]\n\n" +
        "Runs a bounded load scenario, prints progress each second, writes report.{json,md,html}, steps.csv\n" +
        "and timeline.csv, and exits 0 when every threshold holds, 1 when one is breached, 2 on bad input.\n\n" +
        "options:\n" +
        string.Join('\n', RunCommand.Options.Select(o => $"  --{o.Name}{(o.Value is null ? "" : " " + o.Value),-22}".PadRight(42) + o.Help));
}
