namespace Cmux.Fakes.Morph;

/// <summary>The <c>Morph</c> configuration section (see README.md).</summary>
public sealed class MorphOptions
{
    public const string Section = "Morph";

    /// <summary>Keys accepted as <c>Authorization: Bearer</c> by the API and by api_key services.</summary>
    public List<string> ApiKeys { get; set; } = [];

    /// <summary>Snapshot ids an instance may start from; any other id is a 404.</summary>
    public List<string> Snapshots { get; set; } = [];

    /// <summary>Service hosts are <c>{name}-morphvm-{id}.{GatewayDomain}</c>.</summary>
    public string GatewayDomain { get; set; } = "http.cloud.morph.so";

    /// <summary>How long an instance stays <c>pending</c> at least, as a real boot does.</summary>
    public TimeSpan ReadyDelay { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>The sandbox host's control API; Aspire's <c>services:sandboxes:http:0</c> when unset.</summary>
    public Uri? SandboxHost { get; set; }

    /// <summary>Instances get sandbox ids from this range, away from PVE vmids.</summary>
    public int FirstSandboxId { get; set; } = 50000;

    public int LastSandboxId { get; set; } = 59999;
}
