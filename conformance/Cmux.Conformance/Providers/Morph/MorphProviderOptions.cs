using Cmux.Contract;

namespace Cmux.Conformance.Providers.Morph;

/// <summary>Where the Morph provider finds Morph Cloud (or the fake), and what it asks for.</summary>
public sealed record MorphProviderOptions
{
    public const string ApiKeyVariable = "MORPH_API_KEY";
    public const string BaseUrlVariable = "MORPH_BASE_URL";
    public const string SnapshotVariable = "MORPH_SNAPSHOT_ID";
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

    /// <summary>Tags each instance, so a nightly run touches (and cleans up) only what it created.</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; init; } = new Dictionary<string, string> { ["created-by"] = "cmux-conformance" };

    /// <summary>Morph stops an instance left behind after this long, should a run die before deleting it.</summary>
    public int TtlSeconds { get; init; } = 3600;

    /// <summary>
    /// Creates the handler that reaches service URLs; null means a plain handler (real mode). Against
    /// the fake, a <see cref="Http.ResolvingHandler"/> aimed at the gateway.
    /// </summary>
    public Func<HttpMessageHandler>? GatewayHandler { get; init; }

    /// <summary>Real mode from the environment; null when <c>MORPH_API_KEY</c> is not set.</summary>
    public static MorphProviderOptions? FromEnvironment()
    {
        var key = Environment.GetEnvironmentVariable(ApiKeyVariable);
        if (string.IsNullOrWhiteSpace(key))
        {
            return null;
        }
        var snapshot = Environment.GetEnvironmentVariable(SnapshotVariable);
        if (string.IsNullOrWhiteSpace(snapshot))
        {
            throw new InvalidOperationException($"{ApiKeyVariable} is set, so {SnapshotVariable} must name the snapshot to start instances from.");
        }
        var baseUrl = Environment.GetEnvironmentVariable(BaseUrlVariable);
        return new MorphProviderOptions
        {
            ApiKey = key,
            SnapshotId = snapshot,
            ApiBaseUrl = string.IsNullOrWhiteSpace(baseUrl) ? DefaultApiBaseUrl : new Uri(baseUrl.TrimEnd('/') + "/"),
        };
    }
}
