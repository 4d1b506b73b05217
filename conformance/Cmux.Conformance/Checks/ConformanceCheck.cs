namespace Cmux.Conformance.Checks;

/// <summary>
/// One check of the suite, a value as in Gateway API conformance: its short name, feature and
/// description, the provider capabilities and local tools it needs, and its body. The body runs
/// against whichever provider the <see cref="CheckContext"/> carries and never asks which one.
/// </summary>
public sealed record ConformanceCheck
{
    /// <summary>The check's id in reports and test filters, e.g. <c>exec-stdout</c>.</summary>
    public required string ShortName { get; init; }

    /// <summary>One of <see cref="Features"/>.</summary>
    public required string Feature { get; init; }

    /// <summary>What a pass proves, in a sentence.</summary>
    public required string Description { get; init; }

    /// <summary>Capabilities the provider must support: without one the check is not-supported or skipped.</summary>
    public IReadOnlyList<Capability> Needs { get; init; } = [];

    /// <summary>Programs this machine must have: without one the check is skipped, naming it.</summary>
    public IReadOnlyList<Tool> Tools { get; init; } = [];

    public required Func<CheckContext, Task> Test { get; init; }

    public override string ToString() => ShortName;
}

/// <summary>The features checks belong to, in report order.</summary>
public static class Features
{
    public const string UrlPattern = "url-pattern";
    public const string Exec = "exec";
    public const string WebSocket = "websocket";
    public const string Streaming = "streaming";
    public const string Tls = "tls";
    public const string Access = "access";
    public const string Lifecycle = "lifecycle";
    public const string Provisioning = "provisioning";
    public const string Services = "services";

    public static readonly IReadOnlyList<string> All = [UrlPattern, Exec, WebSocket, Streaming, Services, Tls, Access, Lifecycle, Provisioning];
}

/// <summary>A program a check runs on this machine.</summary>
public sealed record Tool(string Name, string Path, string Remedy)
{
    public static readonly Tool Chromium = new("chromium", "/usr/bin/chromium", "eng/bootstrap.sh installs Debian's chromium");

    public static readonly Tool Certutil = new("certutil", "/usr/bin/certutil", "eng/bootstrap.sh installs Debian's libnss3-tools");

    /// <summary>The probe the suite deploys into sandboxes (see <see cref="Probes.ProbeDeployer"/>).</summary>
    public static readonly Tool Probe = new("cmux-probe", Probes.ProbeBinary.ConfiguredPath,
        $"eng/build.sh publishes it, or set {Probes.ProbeBinary.Variable}");

    public bool IsInstalled => File.Exists(Path);
}

/// <summary>Thrown by a check's body when this environment lacks what the check needs: the check is skipped, with the reason.</summary>
public sealed class CheckSkippedException(string reason) : Exception(reason);
