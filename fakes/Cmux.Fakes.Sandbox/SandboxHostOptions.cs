using Cmux.Contract;

namespace Cmux.Fakes.Sandbox;

/// <summary>The <c>Sandbox</c> configuration section (see README.md).</summary>
public sealed class SandboxHostOptions
{
    public const string Section = "Sandbox";

    public const string ProcessRuntime = "process";
    public const string DockerRuntime = "docker";

    /// <summary><c>process</c>: execd and stand-ins per sandbox on a loopback address; <c>docker</c>: a container from the template image per sandbox.</summary>
    public string Runtime { get; set; } = ProcessRuntime;

    /// <summary>The Docker runtime's settings (<c>Sandbox:Docker:*</c>).</summary>
    public Docker.DockerRuntimeOptions Docker { get; set; } = new();

    /// <summary>Where sandboxes keep their home and workspace directories, and the default hosts file.</summary>
    public string DataDir { get; set; } = Path.Combine(Path.GetTempPath(), "cmux-sandboxes");

    /// <summary>The hosts file naming every sandbox; null means <c>{DataDir}/hosts</c>.</summary>
    public string? HostsFile { get; set; }

    /// <summary>The LAN search domain: sandbox 200 is <c>cmux-200.{SearchDomain}</c>.</summary>
    public string SearchDomain { get; set; } = SandboxNames.DefaultSearchDomain;

    /// <summary>The execd to run in each sandbox (apphost or dll); null means the one built beside this host.</summary>
    public string? ExecdPath { get; set; }

    /// <summary>Configuration passed to every sandbox's execd, e.g. <c>Profile=cmux</c>.</summary>
    public Dictionary<string, string> Execd { get; set; } = [];

    /// <summary><c>auto</c>: mount, UTS and PID namespaces when root and <c>unshare</c> exist; <c>none</c>: never.</summary>
    public string Isolation { get; set; } = "auto";

    /// <summary>
    /// Serve the <c>/_cmux/*</c> test endpoints on every port (the load benchmarks use them). The
    /// AppHost turns them off: the suite brings its own probe, as it must on a real template.
    /// </summary>
    public bool TestEndpoints { get; set; } = true;

    /// <summary>How long <c>start</c> waits for execd to answer.</summary>
    public TimeSpan StartTimeout { get; set; } = TimeSpan.FromSeconds(30);

    public string EffectiveHostsFile => HostsFile ?? Path.Combine(DataDir, "hosts");
}
