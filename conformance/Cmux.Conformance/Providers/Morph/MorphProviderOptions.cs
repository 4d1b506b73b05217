using Cmux.Contract;

namespace Cmux.Conformance.Providers.Morph;

/// <summary>Where the Morph provider finds Morph Cloud (or the fake), and what it asks for.</summary>
public sealed record MorphProviderOptions
{
    public const string DefaultGatewayDomain = "http.cloud.morph.so";

    public static readonly Uri DefaultApiBaseUrl = new("https://cloud.morph.so/api/");

    /// <summary>The API root, ending in <c>/api/</c>.</summary>
    public Uri ApiBaseUrl { get; init; } = DefaultApiBaseUrl;

    public required string ApiKey { get; init; }

    /// <summary>The snapshot every instance starts from (cmux's image).</summary>
    public required string SnapshotId { get; init; }

    /// <summary>Used only for a port Morph returned no URL for (the suite's wrong-port checks).</summary>
    public string GatewayDomain { get; init; } = DefaultGatewayDomain;

    /// <summary>The ports exposed as <c>port-{port}</c> services after boot.</summary>
    public IReadOnlyList<int> Ports { get; init; } = SandboxPorts.All;

    /// <summary>cmux polls <c>GET /instance/{id}</c> every second until the instance is ready.</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromSeconds(1);

    public TimeSpan ReadyTimeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>The deadline of every API call but exec, whose deadline is the request's own.</summary>
    public TimeSpan ApiTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>The run's mark, put on every instance as metadata, so a run touches (and cleans up) only what it created.</summary>
    public SandboxMark Mark { get; init; } = SandboxMark.NewRun();

    /// <summary>Morph stops an instance left behind after this long, should a run die before deleting it.</summary>
    public int TtlSeconds { get; init; } = 3600;

    /// <summary>How service URLs are reached: plain DNS and the system's trust for real Morph; the fake gateway and the run's CA in CI.</summary>
    public PublicRoute Route { get; init; } = PublicRoute.Direct;

}
