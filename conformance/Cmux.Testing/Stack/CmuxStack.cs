using Cmux.Fakes.RunPki;

namespace Cmux.Testing;

/// <summary>
/// apphost/Cmux.AppHost as its tests start it: every file of the run (the run's CA, the tunnel
/// setup's output, the sandboxes) in <see cref="StackFixture{TEntryPoint}.RunDirectory"/>, the
/// edge's websocket idle timeout short enough to be tested, and no telemetry.
/// </summary>
public abstract class CmuxStack<TEntryPoint> : StackFixture<TEntryPoint> where TEntryPoint : class
{
    protected override IEnumerable<string> Arguments =>
    [
        $"--Cmux:RunDirectory={RunDirectory}",
        $"--Cmux:SandboxDirectory={Path.Combine(RunDirectory, "sandboxes")}",
        $"--Cmux:EdgeWebSocketIdleTimeout={CmuxRun.EdgeWebSocketIdleTimeout}",
        // The testing builder starts no dashboard but still names one as every resource's OTLP
        // endpoint (localhost:4317): each resource retried its exports into nothing, and on stop
        // spent 7 s flushing them before DCP killed it (a stack stopped in 12 s, 0.6 s without).
        "--Cmux:Telemetry=false",
    ];

    public string CaPem => Path.Combine(RunDirectory, "ca", RunCertificateAuthority.CertificateFile);

    public RunCertificateAuthority LoadCa() => RunCertificateAuthority.Load(Path.Combine(RunDirectory, "ca"));

    /// <summary>What the tunnel setup wrote: the tunnel and the Access service token.</summary>
    public string TunnelSetupOutput => Path.Combine(RunDirectory, "tunnel-setup.json");

    /// <summary>
    /// The stack's public endpoints as real mode's settings (the AppHost's <c>real-mode.env</c>, for
    /// <c>CMUX_CONFIG</c>), once the AppHost has written it: it does when the edge serves.
    /// </summary>
    public async Task<string> RealModeSettingsAsync()
    {
        var file = Path.Combine(RunDirectory, "real-mode.env");
        await Poll.UntilAsync(() => File.Exists(file), $"the AppHost wrote {file}", TimeSpan.FromSeconds(30));
        return file;
    }

    /// <summary>
    /// What the AppHost composed (its <c>composition.json</c>: profile, router with implementation and
    /// version, execd, pve, cloudflare), chosen by the <c>Cmux:*</c> settings of the environment.
    /// </summary>
    public IReadOnlyDictionary<string, string> Composition => _composition ??=
        System.Text.Json.JsonSerializer.Deserialize<Dictionary<string, string>>(File.ReadAllText(Path.Combine(RunDirectory, "composition.json")))
        ?? throw new InvalidOperationException("composition.json is empty");

    private IReadOnlyDictionary<string, string>? _composition;

    /// <summary>The profile the stack runs: <c>seed</c> or <c>cmux</c>.</summary>
    public string Profile => Composition["profile"];

    /// <summary>Whether the router is Caddy (it has no management endpoint of its own).</summary>
    public bool RouterIsCaddy => Composition["router"].StartsWith("Caddy", StringComparison.Ordinal);
}

public static class CmuxRun
{
    /// <summary>The edge closes idle websockets this fast in the test stack, so the idle check takes seconds, not 100 s.</summary>
    public static readonly TimeSpan EdgeWebSocketIdleTimeout = TimeSpan.FromSeconds(3);
}
