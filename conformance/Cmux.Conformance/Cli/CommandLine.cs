using System.Globalization;
using Cmux.Conformance.Checks;
using Cmux.Conformance.Providers;

namespace Cmux.Conformance.Cli;

/// <summary>What the command line asked for; <see cref="Parse"/> explains every mistake.</summary>
public sealed record CommandLine(
    string Command,
    IReadOnlySet<string> Features,
    IReadOnlySet<string> Providers,
    IReadOnlySet<string> Checks,
    string? ReportFolder,
    TimeSpan? SweepAge,
    LoadSettings Load)
{
    public const string Usage = """
        usage: cmux-conformance <command> [options]

        commands:
          run         preflight, sweep earlier runs' leftovers, run the checks, delete what it made, write the report
          preflight   check the settings, credentials, privileges, template and URLs; create nothing
          sweep       delete marked leftovers of earlier runs older than the sweep age; nothing else
          list        print the catalog: every check, its feature and what it needs
          load        the proxy-throughput scenario through the real chain at a capped rate, judged by thresholds

        options (run):
          --feature F    only checks of feature F (repeatable)
          --provider P   only provider P: pve or morph (repeatable)
          --check C      only check C (repeatable)
          --report DIR   where the report goes (default $CMUX_REPORT_DIR or artifacts/conformance)
        options (run, sweep, load):
          --sweep-age H  hours after which another run's marked sandbox is a leftover (default $CMUX_SWEEP_AGE or 6)
          --report DIR   as for run; the load report goes to DIR/load
        options (load):
          --rate R       requests per second, offered and never exceeded (default 20)
          --duration S   seconds measured, after 5 s of warm-up (default 60)
          --threshold T  a threshold such as p99<2000ms (repeatable; default fail_rate<1% and p99<2000ms)

        Endpoints and credentials come from the environment or the file $CMUX_CONFIG names (README: real mode).
        Exit codes: 0 no check failed; 1 a check failed; 2 bad settings or preflight (nothing created);
        130/143 stopped by SIGINT/SIGTERM (what the run made is deleted first).
        """;

    public static CommandLine Parse(IReadOnlyList<string> args)
    {
        if (args.Count == 0 || args[0] is "-h" or "--help" or "help")
        {
            throw new UsageException(null);
        }
        var command = args[0];
        if (command is not ("run" or "preflight" or "sweep" or "list" or "load"))
        {
            throw new UsageException($"unknown command '{command}'");
        }
        var features = new HashSet<string>(StringComparer.Ordinal);
        var providers = new HashSet<string>(StringComparer.Ordinal);
        var checks = new HashSet<string>(StringComparer.Ordinal);
        string? report = null;
        TimeSpan? sweepAge = null;
        var load = LoadSettings.Nightly;
        var thresholds = new List<string>();
        for (var i = 1; i < args.Count; i++)
        {
            string Value() => i + 1 < args.Count ? args[++i] : throw new UsageException($"{args[i]} needs a value");
            switch (args[i])
            {
                case "--feature":
                    features.Add(Known(Value(), Cmux.Conformance.Checks.Features.All, "feature"));
                    break;
                case "--provider":
                    providers.Add(Known(Value(), ProviderNames.All, "provider"));
                    break;
                case "--check":
                    checks.Add(Known(Value(), CheckCatalog.All.Select(c => c.ShortName).ToList(), "check"));
                    break;
                case "--report":
                    report = Value();
                    break;
                case "--sweep-age":
                    var text = Value();
                    sweepAge = double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var hours) && hours >= 0
                        ? TimeSpan.FromHours(hours)
                        : throw new UsageException($"--sweep-age takes a number of hours, not '{text}'");
                    break;
                case "--rate":
                    load = load with { Rate = Number(Value(), "--rate", minimum: 0.1, maximum: 10_000) };
                    break;
                case "--duration":
                    load = load with { Duration = TimeSpan.FromSeconds(Number(Value(), "--duration", minimum: 1, maximum: 3600)) };
                    break;
                case "--threshold":
                    thresholds.Add(Value());
                    break;
                default:
                    throw new UsageException($"unknown option '{args[i]}'");
            }
        }
        if (thresholds.Count > 0)
        {
            load = load with { Thresholds = thresholds };
        }
        try
        {
            Cmux.Load.Thresholds.Threshold.ParseAll(load.Thresholds);
        }
        catch (FormatException e)
        {
            throw new UsageException(e.Message);
        }
        return new CommandLine(command, features, providers, checks, report, sweepAge, load);
    }

    /// <summary>Whether the filters select this check on this provider (no filter of a kind selects all).</summary>
    public bool Selects(string provider, ConformanceCheck check) =>
        (Providers.Count == 0 || Providers.Contains(provider))
        && (Features.Count == 0 || Features.Contains(check.Feature))
        && (Checks.Count == 0 || Checks.Contains(check.ShortName));

    private static double Number(string text, string option, double minimum, double maximum) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && value >= minimum && value <= maximum
            ? value
            : throw new UsageException($"{option} takes a number from {minimum} to {maximum}, not '{text}'");

    private static string Known(string value, IReadOnlyList<string> known, string kind) =>
        known.Contains(value) ? value : throw new UsageException($"no {kind} '{value}'; known: {string.Join(", ", known)}");
}

/// <summary>The command line is wrong: the message says how, and the usage follows.</summary>
public sealed class UsageException(string? problem) : Exception(problem ?? "")
{
    public string? Problem { get; } = problem;
}
