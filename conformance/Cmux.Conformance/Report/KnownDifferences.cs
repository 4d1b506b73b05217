namespace Cmux.Conformance.Report;

/// <summary>A way Morph and PVE are known to differ (docs/contracts.md §4, §8); checks measure it on each provider.</summary>
public sealed record KnownDifference(string Name, string Description)
{
    public override string ToString() => Name;
}

/// <summary>
/// The known Morph/PVE differences. The report shows, for each, what this run measured on each
/// provider, or "not measured": a difference is never filled in from configuration.
/// </summary>
public static class KnownDifferences
{
    public static readonly KnownDifference ExecTimeout = new("exec-timeout",
        "How a timed-out command is reported (PVE execd: exit code 124; Morph: the call fails).");

    public static readonly KnownDifference OutputNormalisation = new("exec-output-normalisation",
        "Whether stdout keeps blank lines and the trailing newline (the cmux profile's NDJSON drops them).");

    public static readonly KnownDifference ExecWireFormat = new("exec-wire-format",
        "What an exec answer looks like on the wire, and the status a malformed request gets.");

    public static readonly KnownDifference UrlAuth = new("url-auth",
        "What a sandbox URL answers a request without credentials (Cloudflare Access on PVE; public or an API key on Morph).");

    public static readonly KnownDifference ForwardedProto = new("forwarded-proto",
        "What X-Forwarded-Proto the sandbox sees for an HTTPS request (the seed's Caddy overwrites it with http).");

    public static readonly KnownDifference UpstreamHost = new("upstream-host",
        "What Host header the sandbox sees: the public name, or one the proxy put there.");

    public static readonly KnownDifference StatusAfterStart = new("status-after-start",
        "The status a started sandbox reports (PVE running, Morph ready).");

    public static readonly KnownDifference Pause = new("pause",
        "Whether the URLs still answer while a sandbox is paused.");

    public static readonly KnownDifference Stop = new("stop",
        "What stop does: whether the sandbox still exists afterwards (PVE halts it, Morph destroys it).");

    public static readonly KnownDifference UnknownSandboxAnswer = new("unknown-sandbox-answer",
        "The status code for a URL whose sandbox does not exist.");

    public static readonly KnownDifference ClosedPortAnswer = new("closed-port-answer",
        "The status code for a URL whose port nothing listens on.");

    public static readonly KnownDifference TimeToReady = new("time-to-ready",
        "Seconds from the create call until the provider reports the sandbox ready.");

    public static readonly IReadOnlyList<KnownDifference> All =
    [
        ExecTimeout, OutputNormalisation, ExecWireFormat, UrlAuth, ForwardedProto, UpstreamHost, StatusAfterStart, Pause, Stop,
        UnknownSandboxAnswer, ClosedPortAnswer, TimeToReady,
    ];

    public const string NotMeasured = "not measured";
}
