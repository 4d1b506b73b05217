using System.Runtime.InteropServices;
using Cmux.Conformance.Checks;
using Cmux.Conformance.Cli;
using Cmux.Conformance.Providers;
using Cmux.Conformance.Report;
using Cmux.Conformance.Runtime;

// The suite without a test host: real mode's runner, for the nightly job and for people.
CommandLine command;
try
{
    command = CommandLine.Parse(args);
}
catch (UsageException e)
{
    if (e.Problem is not null)
    {
        Console.Error.WriteLine($"cmux-conformance: {e.Problem}");
    }
    Console.Error.WriteLine(CommandLine.Usage);
    return e.Problem is null ? 0 : 2;
}

if (command.Command == "list")
{
    foreach (var check in CheckCatalog.All)
    {
        var needs = check.Needs.Select(n => n.Name).Concat(check.Tools.Select(t => t.Name)).ToList();
        Console.WriteLine($"{check.Feature,-13} {check.ShortName,-36} {(needs.Count == 0 ? "" : "needs " + string.Join(", ", needs))}");
    }
    return 0;
}

using var stop = new CancellationTokenSource();
var signal = 0;
void Stop(PosixSignalContext context)
{
    // Keep the process alive: cleanup deletes what the run made, then the exit code says why it ended.
    context.Cancel = true;
    signal = context.Signal == PosixSignal.SIGINT ? 130 : 143;
    Console.Error.WriteLine($"cmux-conformance: {context.Signal}: stopping; deleting what this run created");
    stop.Cancel();
}
using var onTerm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
using var onInt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);

ConformanceRun run;
try
{
    var settings = SuiteSettings.Load() with { Mode = SuiteSettings.Real };
    if (command.ReportFolder is { } folder)
    {
        settings = settings with { ReportFolder = Path.GetFullPath(folder) };
    }
    var mark = SandboxMark.NewRun();
    run = new ConformanceRun(settings, RealProviders.FromEnvironment(mark), mark) { WritesReport = command.Command == "run" };
}
catch (Exception e) when (e is SettingException or FileNotFoundException or FormatException or InvalidOperationException)
{
    Console.Error.WriteLine($"cmux-conformance: {e.Message}");
    return 2;
}

await using (run)
{
    var sweepAge = command.SweepAge ?? RealProviders.SweepAge();
    try
    {
        Console.WriteLine($"cmux-conformance: run {run.Mark.RunId}, preflight");
        await run.PrepareAsync(command.Command == "preflight" ? TimeSpan.MaxValue : sweepAge, stop.Token);
    }
    catch (PreflightException e)
    {
        Console.Error.WriteLine($"cmux-conformance: {e.Message}");
        return 2;
    }
    catch (OperationCanceledException) when (stop.IsCancellationRequested)
    {
        return signal;
    }
    if (command.Command is "preflight" or "sweep")
    {
        Console.WriteLine($"cmux-conformance: {command.Command} done");
        return 0;
    }
    if (command.Command == "load")
    {
        try
        {
            return await LoadCommand.RunAsync(run, command.Load, Console.Out, stop.Token) ? 0 : 1;
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            return signal;
        }
        catch (FileNotFoundException e)
        {
            // The probe the scenario targets is not built: nothing was measured, as with a bad setting.
            Console.Error.WriteLine($"cmux-conformance: load: {e.Message}");
            return 2;
        }
        catch (Exception e) when (e is ProviderException or ArgumentException or HttpRequestException)
        {
            Console.Error.WriteLine($"cmux-conformance: load: {e.Message}");
            return 1;
        }
    }

    var failed = 0;
    foreach (var provider in run.Sessions.Select(s => s.Name))
    {
        foreach (var check in run.Catalog.Where(c => command.Selects(provider, c)))
        {
            if (stop.IsCancellationRequested)
            {
                break;
            }
            var result = await run.RunAsync(provider, check.ShortName, stop.Token);
            failed += result.Outcome == Outcome.Failed ? 1 : 0;
            Console.WriteLine($"{ReportWriter.Name(result.Outcome),-13} {provider,-6} {check.ShortName,-36} {result.Duration.TotalSeconds,6:F1} s  {result.Reason}");
        }
    }
    if (signal != 0)
    {
        return signal;
    }
    return failed == 0 ? 0 : 1;
}
