using System.Net;
using Cmux.Load.Engine;
using Cmux.Load.Reporting;
using Cmux.Load.Scenarios;
using Cmux.Load.Simulations;
using Cmux.Load.Targets;
using Cmux.Load.Thresholds;

namespace Cmux.Load.Cli;

/// <summary><c>cmux-load run</c>: builds a plan from the options, runs it with live progress, writes every report.</summary>
internal static class RunCommand
{
    public static readonly IReadOnlyList<OptionSpec> Options =
    [
        new("scenario", "NAME", $"required: {string.Join(" | ", ScenarioOptions.Names)}"),
        new("target", "URL", "required: base URL (http or https), e.g. http://127.1.0.200:39378"),
        new("model", "MODEL", "closed:N, closed:A..B (ramp), open:R or open:A..B per second (default closed:16)"),
        new("duration", "TIME", "measured time, e.g. 10s (default 10s; warm-up + duration at most 1h)"),
        new("warmup", "TIME", "unmeasured time before it (default 0s)"),
        new("max-requests", "N", $"iterations the run may start, warm-up included (default 10M, at most {LoadPlan.MaxRequestsCap})"),
        new("timeout", "TIME", "per step (default 10s)"),
        new("size", "BYTES", "response size (http), body size (echo), message size (ws-*) (default 32; k, m suffixes)"),
        new("path", "PATH", "override the scenario's path and query"),
        new("command", "CMD", "the command of the exec scenario (default true)"),
        new("exec-timeout", "TIME", "exec: the request's timeout_ms, after which execd kills the command (default: execd's)"),
        new("connections", "N", "HTTP connections (default: the closed model's users, or 64)"),
        new("new-connections", null, "a fresh connection for every HTTP request (Connection: close)"),
        new("httpclient", null, "http, echo: send through HttpClient (SocketsHttpHandler) instead of the lean HTTP/1.1 client"),
        new("host", "HOST", "Host header to send instead of the URL's"),
        new("resolve", "ADDRESS", "connect to this address whatever the URL's host (Host and SNI stay the URL's)"),
        new("ca", "FILE", "PEM of CA certificates to trust for https (the run's CA)"),
        new("header", "'NAME: VALUE'", "an extra request header; repeatable", Repeats: true),
        new("access-client-id", "ID", "Access service token id (or env CMUX_ACCESS_CLIENT_ID)"),
        new("access-client-secret", "SECRET", "Access service token secret (or env CMUX_ACCESS_CLIENT_SECRET)"),
        new("allow-remote", null, "permit a target outside loopback (needs --rate-cap)"),
        new("rate-cap", "R", "never start more than R iterations per second (required with --allow-remote)"),
        new("max-in-flight", "N", "open model: iterations in flight before new ones fail as overload (default 10000)"),
        new("threshold", "RULE", "e.g. 'p99<50ms', 'fail_rate<1%', 'rps>1000', 'echo.p95<5ms'; repeatable", Repeats: true),
        new("out", "DIR", "where the reports go (default artifacts/load)"),
        new("quiet", null, "no live progress"),
        new("config", "FILE", "JSON object of these options (names without dashes); the command line wins"),
        new("help", null, "this help"),
    ];

    public static async Task<int> RunAsync(CommandLine line, CancellationToken ct)
    {
        var scenarioOptions = Scenario(line);
        using var scenario = scenarioOptions.Create();
        var plan = new LoadPlan(scenario, Model(line))
        {
            Duration = line.Single("duration") is { } d ? Values.Duration("duration", d) : TimeSpan.FromSeconds(10),
            Warmup = line.Single("warmup") is { } w ? Values.Duration("warmup", w) : TimeSpan.Zero,
            MaxRequests = line.Single("max-requests") is { } m ? Values.Count("max-requests", m, 1, LoadPlan.MaxRequestsCap) : 10_000_000,
            RequestTimeout = line.Single("timeout") is { } t ? Values.Duration("timeout", t) : TimeSpan.FromSeconds(10),
            RateCap = line.Single("rate-cap") is { } r ? Values.Rate("rate-cap", r) : null,
            MaxInFlight = line.Single("max-in-flight") is { } f ? (int)Values.Count("max-in-flight", f, 1, 1_000_000) : 10_000,
            Thresholds = ParseThresholds(line.All("threshold")),
        };
        var output = line.Single("out") ?? Path.Combine("artifacts", "load");

        Console.WriteLine($"cmux-load: {scenario.Name} against {scenario.Target}, {plan.Model}, warm-up {plan.Warmup.TotalSeconds}s, duration {plan.Duration.TotalSeconds}s");
        var progress = line.Flag("quiet") ? null : new ConsoleProgress();
        var report = await LoadRunner.RunAsync(plan, progress, ct);
        var files = await ReportWriter.WriteAllAsync(report, output, ct);

        Console.WriteLine();
        Console.Write(MarkdownReport.Render(report with { Timeline = [] }));
        Console.WriteLine($"reports: {string.Join(", ", files)}");
        Console.WriteLine(report.Passed ? "PASSED" : report.Iterations.Requests == 0 ? "FAILED: no iteration was measured" : "FAILED: a threshold is breached");
        return report.Passed ? 0 : 1;
    }

    private static ScenarioOptions Scenario(CommandLine line)
    {
        var name = line.Single("scenario") ?? throw new UsageException("--scenario is required");
        var url = line.Single("target") ?? throw new UsageException("--target is required");
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
        {
            throw new UsageException($"--target '{url}': expected an absolute http or https URL");
        }
        var model = Model(line);
        var size = line.Single("size") is { } s ? Values.Size("size", s) : 32;
        return new ScenarioOptions
        {
            Name = name,
            Target = new TargetOptions
            {
                Url = uri,
                HostHeader = line.Single("host"),
                ResolveTo = line.Single("resolve") is { } a
                    ? IPAddress.TryParse(a, out var address) ? address : throw new UsageException($"--resolve '{a}': expected an IP address")
                    : null,
                TrustedCaPemPath = line.Single("ca"),
                Headers = Headers(line),
                AllowRemote = line.Flag("allow-remote"),
            },
            Size = size,
            Path = line.Single("path"),
            Command = line.Single("command") ?? "true",
            ExecTimeout = line.Single("exec-timeout") is { } x ? Values.Duration("exec-timeout", x) : null,
            NewConnections = line.Flag("new-connections"),
            UseHttpClient = line.Flag("httpclient"),
            Connections = line.Single("connections") is { } c
                ? (int)Values.Count("connections", c, 1, 100_000)
                : model is ClosedModel closed ? Math.Max(closed.From, closed.To) : 64,
            ConnectTimeout = line.Single("timeout") is { } t ? Values.Duration("timeout", t) : TimeSpan.FromSeconds(10),
        };
    }

    private static LoadModel Model(CommandLine line)
    {
        try
        {
            return LoadModel.Parse(line.Single("model") ?? "closed:16");
        }
        catch (FormatException e)
        {
            throw new UsageException($"--model: {e.Message}");
        }
    }

    private static List<KeyValuePair<string, string>> Headers(CommandLine line)
    {
        var headers = line.All("header").Select(header =>
        {
            var colon = header.IndexOf(':', StringComparison.Ordinal);
            return colon > 0
                ? new KeyValuePair<string, string>(header[..colon].Trim(), header[(colon + 1)..].Trim())
                : throw new UsageException($"--header '{header}': expected 'Name: value'");
        }).ToList();
        var id = line.Single("access-client-id") ?? Environment.GetEnvironmentVariable("CMUX_ACCESS_CLIENT_ID");
        var secret = line.Single("access-client-secret") ?? Environment.GetEnvironmentVariable("CMUX_ACCESS_CLIENT_SECRET");
        if ((id is null) != (secret is null))
        {
            throw new UsageException("an Access service token needs both the client id and the client secret");
        }
        if (id is not null)
        {
            headers.AddRange(TargetOptions.AccessServiceToken(id, secret!));
        }
        return headers;
    }

    private static IReadOnlyList<Threshold> ParseThresholds(IReadOnlyList<string> rules)
    {
        try
        {
            return Threshold.ParseAll(rules);
        }
        catch (FormatException e)
        {
            throw new UsageException($"--threshold: {e.Message}");
        }
    }
}
