using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Cmux.AppHost.Composition;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Cmux.AppHost.Dashboard;

/// <summary>The suite's command line, as the dashboard shows it.</summary>
public sealed class ConformanceResource(string name) : Resource(name);

/// <summary>
/// The <c>conformance</c> resource: its commands run the suite's command line (<c>cmux-conformance
/// run</c>, and <c>load</c> for the smoke scenario) in real mode against this very stack, configured
/// only by <see cref="RealModeFile"/>, exactly as the nightly job runs against a homelab. What the
/// command line prints is the resource's console; the command answers with the counts and where the
/// report is. One run at a time: the commands are disabled while one runs.
/// </summary>
internal static class SuiteCommands
{
    public const string ResourceName = "conformance";
    public const string RunSuite = "run-conformance-suite";
    public const string RunLoadSmoke = "run-load-smoke";
    public const string OptionsArgument = "options";

    private const string Ready = "Ready";
    private const string Busy = "Running";

    private static readonly TimeSpan SuiteTimeout = TimeSpan.FromMinutes(30);
    private static readonly TimeSpan LoadTimeout = TimeSpan.FromMinutes(10);

    /// <summary>The resource, ready once <paramref name="edge"/> serves (the tunnel setup has issued the service token by then).</summary>
    public static void AddConformance(this IDistributedApplicationBuilder builder, RealModeFile settings, IResourceBuilder<ProjectResource> edge)
    {
        var resource = builder.AddResource(new ConformanceResource(ResourceName))
            .WithInitialState(new CustomResourceSnapshot
            {
                ResourceType = "Conformance",
                State = new ResourceStateSnapshot(KnownResourceStates.Waiting, KnownResourceStateStyles.Info),
                Properties = [new ResourcePropertySnapshot("conformance.settings", settings.FilePath)],
            });
        var gate = new SemaphoreSlim(1, 1);

        builder.Eventing.Subscribe<ResourceReadyEvent>(edge.Resource, async (e, ct) =>
        {
            var notifications = e.Services.GetRequiredService<ResourceNotificationService>();
            try
            {
                settings.Write();
                await notifications.PublishUpdateAsync(resource.Resource, s => s with
                {
                    State = new ResourceStateSnapshot(Ready, KnownResourceStateStyles.Success),
                    StartTimeStamp = DateTime.UtcNow,
                });
            }
            catch (Exception ex) when (ex is IOException or InvalidOperationException or JsonException)
            {
                e.Services.GetRequiredService<ResourceLoggerService>().GetLogger(resource.Resource).LogError("{Problem}", ex.Message);
                e.Services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(SuiteCommands))
                    .LogError("The conformance resource has no settings: {Problem}", ex.Message);
                await notifications.PublishUpdateAsync(resource.Resource, s => s with
                {
                    State = new ResourceStateSnapshot(KnownResourceStates.FailedToStart, KnownResourceStateStyles.Error),
                });
            }
        });

        static ResourceCommandState EnabledWhenReady(UpdateCommandStateContext context) =>
            context.ResourceSnapshot.State?.Text == Ready ? ResourceCommandState.Enabled : ResourceCommandState.Disabled;

        resource.WithCommand(RunSuite, "Run conformance suite",
            context => RunAsync(context, resource.Resource, settings, gate, "run", SuiteTimeout, SuiteSummary),
            new CommandOptions
            {
                IconName = "CheckboxChecked",
                Description = "cmux-conformance run against this stack in real mode: every check on both providers, or what the options select",
                UpdateState = EnabledWhenReady,
                Arguments = [Options("--provider pve --feature exec")],
            });
        resource.WithCommand(RunLoadSmoke, "Run load smoke",
            context => RunAsync(context, resource.Resource, settings, gate, "load", LoadTimeout, LoadSummary),
            new CommandOptions
            {
                IconName = "TopSpeed",
                Description = "cmux-conformance load through the edge and the router at 20 req/s for 5 s, judged by its thresholds",
                UpdateState = EnabledWhenReady,
                Arguments = [Options("--rate 20 --duration 5")],
            });
    }

    private static InteractionInput Options(string placeholder) => new()
    {
        Name = OptionsArgument,
        Label = "Options",
        Description = "cmux-conformance's options (README: real mode), separated by spaces; empty for the defaults",
        InputType = InputType.Text,
        Required = false,
        Placeholder = placeholder,
    };

    private static async Task<ExecuteCommandResult> RunAsync(ExecuteCommandContext context, ConformanceResource resource, RealModeFile settings,
        SemaphoreSlim gate, string command, TimeSpan timeout, Func<string, int, IReadOnlyList<string>, ExecuteCommandResult> summarize)
    {
        if (!await gate.WaitAsync(0, context.CancellationToken))
        {
            return CommandResults.Failure("a run is in progress: one at a time");
        }
        var notifications = context.Services.GetRequiredService<ResourceNotificationService>();
        var log = context.Services.GetRequiredService<ResourceLoggerService>().GetLogger(resource);
        try
        {
            var cli = CommandLinePath();
            if (!File.Exists(cli))
            {
                return CommandResults.Failure($"the suite's command line is not built ({cli}): run eng/build.sh");
            }
            var report = Path.Combine(settings.RunDirectory, "reports", $"{DateTime.UtcNow:yyyyMMdd-HHmmss}-{command}");
            var options = (context.Arguments.GetString(OptionsArgument) ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            await notifications.PublishUpdateAsync(resource, s => s with { State = new ResourceStateSnapshot(Busy, KnownResourceStateStyles.Info) });

            var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            foreach (var argument in (string[])[cli, command, "--report", report, .. options])
            {
                start.ArgumentList.Add(argument);
            }
            // Only the file configures it: nothing of the AppHost's own CMUX_*, MORPH_* or CF_* leaks in.
            foreach (var key in start.Environment.Keys.Where(k => k.StartsWith("CMUX_", StringComparison.Ordinal)
                || k.StartsWith("MORPH_", StringComparison.Ordinal) || k.StartsWith("CF_", StringComparison.Ordinal)).ToList())
            {
                start.Environment.Remove(key);
            }
            start.Environment["CMUX_CONFIG"] = settings.FilePath;
            log.LogInformation("cmux-conformance {Command} {Options} (report: {Report})", command, string.Join(' ', options), report);

            var lines = new List<string>();
            using var process = new Process { StartInfo = start };
            process.OutputDataReceived += (_, e) => Line(e.Data, error: false);
            process.ErrorDataReceived += (_, e) => Line(e.Data, error: true);
            process.Start();
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken);
            deadline.CancelAfter(timeout);
            try
            {
                await process.WaitForExitAsync(deadline.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync(CancellationToken.None);
                return context.CancellationToken.IsCancellationRequested
                    ? CommandResults.Canceled()
                    : CommandResults.Failure($"cmux-conformance {command} ran longer than {timeout.TotalMinutes} min and was stopped");
            }
            // The exit is seen before the last lines: WaitForExit without a timeout drains them.
            process.WaitForExit();
            log.LogInformation("cmux-conformance {Command} exited {Exit}", command, process.ExitCode);
            lock (lines)
            {
                return summarize(report, process.ExitCode, [.. lines]);
            }

            void Line(string? line, bool error)
            {
                if (line is null)
                {
                    return;
                }
                lock (lines)
                {
                    lines.Add(error ? ErrorMark + line : line);
                }
                if (error)
                {
                    log.LogError("{Line}", line);
                }
                else
                {
                    log.LogInformation("{Line}", line);
                }
            }
        }
        finally
        {
            await notifications.PublishUpdateAsync(resource, s => s with { State = new ResourceStateSnapshot(Ready, KnownResourceStateStyles.Success) });
            gate.Release();
        }
    }

    /// <summary>Counts per provider from the report the run wrote; exit 2 is a refusal before anything ran.</summary>
    private static ExecuteCommandResult SuiteSummary(string report, int exit, IReadOnlyList<string> lines)
    {
        var json = Path.Combine(report, "conformance-report.json");
        if (exit == 2 || !File.Exists(json))
        {
            return CommandResults.Failure($"cmux-conformance run exited {exit} and wrote no report: {Problem(lines)}");
        }
        using var document = JsonDocument.Parse(File.ReadAllText(json));
        var counts = document.RootElement.GetProperty("summary").EnumerateArray().Select(p => string.Create(CultureInfo.InvariantCulture,
            $"{p.GetProperty("provider").GetString()}: {p.GetProperty("passed").GetInt32()} passed, {p.GetProperty("failed").GetInt32()} failed, " +
            $"{p.GetProperty("skipped").GetInt32()} skipped, {p.GetProperty("notSupported").GetInt32()} not-supported, {p.GetProperty("notRun").GetInt32()} not-run"));
        var message = $"{string.Join("; ", counts)}. Report: {Path.Combine(report, "conformance-report.md")}";
        return exit == 0 ? CommandResults.Success(message) : CommandResults.Failure(message);
    }

    /// <summary>The verdict and each threshold, as the command line printed them.</summary>
    private static ExecuteCommandResult LoadSummary(string report, int exit, IReadOnlyList<string> lines)
    {
        var verdict = lines.LastOrDefault(l => l.StartsWith("cmux-conformance: load through", StringComparison.Ordinal));
        if (verdict is null)
        {
            return CommandResults.Failure($"cmux-conformance load exited {exit} before measuring: {Problem(lines)}");
        }
        var thresholds = lines.SkipWhile(l => l != verdict).Skip(1).TakeWhile(l => l.StartsWith("  ", StringComparison.Ordinal))
            .Select(l => string.Join(' ', l.Split(' ', StringSplitOptions.RemoveEmptyEntries)));
        var message = $"{verdict["cmux-conformance: ".Length..]}; {string.Join("; ", thresholds)}";
        return exit == 0 ? CommandResults.Success(message) : CommandResults.Failure(message);
    }

    /// <summary>
    /// What went wrong, from what the command line wrote to stderr: its own word (a refusal names the
    /// variable, the option or the privilege), or after a crash the end of the stack trace.
    /// </summary>
    private static string Problem(IReadOnlyList<string> lines)
    {
        var errors = lines.Where(l => l.StartsWith(ErrorMark, StringComparison.Ordinal)).Select(l => l[ErrorMark.Length..]).ToList();
        return errors.FirstOrDefault(l => l.StartsWith("cmux-conformance: ", StringComparison.Ordinal))
            ?? (errors.Count > 0 ? string.Join(" | ", errors.TakeLast(8).Select(l => l.Trim())) : "it wrote nothing to stderr");
    }

    /// <summary>Marks the stderr lines among those the summaries read.</summary>
    private const string ErrorMark = "stderr: ";

    /// <summary>The command line's build beside the AppHost's: same configuration and target framework (bin/{configuration}/{tfm}).</summary>
    private static string CommandLinePath()
    {
        var output = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var project = Path.GetDirectoryName(new Projects.Cmux_Conformance().ProjectPath)!;
        return Path.Combine(project, "bin", output.Parent!.Name, output.Name, "cmux-conformance.dll");
    }
}
