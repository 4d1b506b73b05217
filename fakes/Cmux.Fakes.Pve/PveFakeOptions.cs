using Cmux.Contract;

namespace Cmux.Fakes.Pve;

/// <summary>The fake's settings, section <c>Pve</c> (README.md lists them with their defaults).</summary>
public sealed class PveFakeOptions
{
    public const string Section = "Pve";

    /// <summary>The node's name, as in UPIDs and paths.</summary>
    public string Node { get; set; } = "pve";

    /// <summary>The sandbox host's control API; empty means containers run without sandboxes.
    /// Aspire's service discovery (<c>services:sandboxes:http:0</c>) is used when this is empty.</summary>
    public string? SandboxHost { get; set; }

    /// <summary>HTTPS listener, as real PVE serves on 8006. Empty disables it.</summary>
    public string? HttpsUrl { get; set; } = "https://127.0.0.1:8006";

    /// <summary>A folder with the run's CA (<c>ca.pem</c>, <c>ca.key</c>); the HTTPS certificate is issued by it.
    /// Empty: a throwaway CA, which makes the certificate as untrusted as PVE's self-signed one.</summary>
    public string? CaFolder { get; set; }

    /// <summary>The template cmux clones (prepared as the seed's template would be).</summary>
    public int TemplateVmid { get; set; } = 9000;

    /// <summary>
    /// The template's <c>hookscript</c>, which linked clones inherit: on PVE 8 cmux cannot set a
    /// clone's <c>env</c>, so the per-clone execd token travels in the description and this
    /// pre-start hook puts it into the container's environment. Empty: the template has none.
    /// </summary>
    public string? TemplateHookscript { get; set; } = DefaultHookscript;

    /// <summary>cmux's snippet volume for the execd-token hook (docs/contracts.md §6.8).</summary>
    public const string DefaultHookscript = "local:snippets/cmux-lxc-execd-token-hook.sh";

    /// <summary>QEMU guests on the node: they only occupy vmids (cmux skips them when it picks one).</summary>
    public List<QemuVmOptions> Qemu { get; set; } = [];

    /// <summary>The search domain the node's DNS publishes containers under (<c>cmux-200.lan</c>).</summary>
    public string SearchDomain { get; set; } = SandboxNames.DefaultSearchDomain;

    public AuthOptions Auth { get; set; } = new();

    public TaskOptions Tasks { get; set; } = new();

    public FaultOptions Faults { get; set; } = new();
}

/// <summary>A QEMU guest as <c>GET /nodes/{node}/qemu</c> lists it.</summary>
public sealed class QemuVmOptions
{
    public int Vmid { get; set; }

    public string? Name { get; set; }

    /// <summary><c>running</c> or <c>stopped</c>.</summary>
    public string Status { get; set; } = "stopped";

    public bool Template { get; set; }
}

public sealed class AuthOptions
{
    /// <summary>How long PVE makes a client with bad credentials wait before its 401.</summary>
    public TimeSpan FailureDelay { get; set; } = TimeSpan.FromSeconds(3);

    public List<UserOptions> Users { get; set; } = [];

    public List<TokenOptions> Tokens { get; set; } = [];
}

/// <summary>A user that can log in for a ticket. Privileges apply on every path; <c>*</c> grants all.</summary>
public sealed class UserOptions
{
    public string Name { get; set; } = "";
    public string Password { get; set; } = "";
    public List<string> Privileges { get; set; } = [];
}

/// <summary>An API token <c>user@realm!id</c> with its secret and privileges (privilege-separated, as cmux's token is).</summary>
public sealed class TokenOptions
{
    public string Id { get; set; } = "";
    public string Secret { get; set; } = "";
    public List<string> Privileges { get; set; } = [];
}

public sealed class TaskOptions
{
    /// <summary>How long a task works before it ends, unless <see cref="Durations"/> names its type.</summary>
    public TimeSpan DefaultDuration { get; set; } = TimeSpan.FromMilliseconds(800);

    /// <summary>Per task type (<c>vzclone</c>, <c>vzstart</c>, ...).</summary>
    public Dictionary<string, TimeSpan> Durations { get; set; } = [];

    public TimeSpan DurationOf(string type) => Durations.TryGetValue(type, out var d) ? d : DefaultDuration;
}

/// <summary>Faults to inject; also readable and replaceable at runtime through <c>/_fake/faults</c>.</summary>
public sealed class FaultOptions
{
    /// <summary>Added before every API answer.</summary>
    public TimeSpan Latency { get; set; }

    /// <summary>Task types whose tasks end with <see cref="TaskError"/> instead of OK.</summary>
    public List<string> FailingTasks { get; set; } = [];

    public string TaskError { get; set; } = "injected failure";

    /// <summary>Answer API requests with this status instead (500, 503, 595 ...); 0 is off.</summary>
    public int Status { get; set; }

    /// <summary>How many requests get <see cref="Status"/>; negative means every one.</summary>
    public int StatusCount { get; set; } = -1;

    /// <summary>Locks taken by tasks stay after the task ends, as a crashed task leaves them.</summary>
    public bool LocksNeverClear { get; set; }
}
