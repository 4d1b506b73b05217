using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace Cmux.Cloudflare.Api;

/// <summary>A Cloudflare Tunnel (<c>cfd_tunnel</c>).</summary>
public sealed record Tunnel
{
    public required string Id { get; init; }
    public required string AccountTag { get; init; }
    public required string Name { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
    /// <summary>Only on a deleted tunnel (the schema types it a non-null string, so it is left out until then).</summary>
    public DateTimeOffset? DeletedAt { get; init; }
    public IReadOnlyList<JsonObject> Connections { get; init; } = [];
    /// <summary>Only once a connector has connected; the fake's tunnels never connect.</summary>
    public DateTimeOffset? ConnsActiveAt { get; init; }
    public DateTimeOffset? ConnsInactiveAt { get; init; }
    public string Status { get; init; } = "inactive";
    public bool RemoteConfig { get; init; }
    /// <summary><c>cloudflare</c> (remotely managed) or <c>local</c>.</summary>
    public string ConfigSrc { get; init; } = "local";
    public string TunType { get; init; } = "cfd_tunnel";
    public JsonObject Metadata { get; init; } = [];
}

/// <summary>A tunnel's remotely managed configuration, as <c>GET/PUT .../configurations</c> return it.</summary>
public sealed record TunnelConfiguration
{
    public required string TunnelId { get; init; }
    public string? AccountId { get; init; }
    public int Version { get; init; }
    /// <summary>The cloudflared configuration (<c>ingress</c>, <c>originRequest</c>) in its own camelCase form.</summary>
    public JsonObject? Config { get; init; }
    public string Source { get; init; } = "cloudflare";
    public DateTimeOffset CreatedAt { get; init; }
}

/// <summary>A DNS record of a zone.</summary>
public sealed record DnsRecord
{
    public string Id { get; init; } = "";
    public required string Type { get; init; }
    public required string Name { get; init; }
    public required string Content { get; init; }
    public bool? Proxied { get; init; }
    public bool Proxiable { get; init; } = true;
    public int? Ttl { get; init; }
    /// <summary>Per-record settings (<c>ipv4_only</c>, <c>flatten_cname</c>, ...); <c>{}</c> when none.</summary>
    public JsonObject? Settings { get; init; }
    /// <summary>Cloudflare's own information about the record; an object, <c>{}</c> for an ordinary record.</summary>
    public JsonObject? Meta { get; init; }
    // Cloudflare answers "comment": null and "tags": [] for a record without them.
    [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    public string? Comment { get; init; }
    public IReadOnlyList<string>? Tags { get; init; }
    public DateTimeOffset CreatedOn { get; init; }
    public DateTimeOffset ModifiedOn { get; init; }
    /// <summary>Only when the record has a comment.</summary>
    public DateTimeOffset? CommentModifiedOn { get; init; }
    /// <summary>Only when the record has tags.</summary>
    public DateTimeOffset? TagsModifiedOn { get; init; }
}

/// <summary>An Access application (self-hosted): a domain, optionally with a path, and its policies.</summary>
public sealed record AccessApplication
{
    public string Id { get; init; } = "";
    public string Aud { get; init; } = "";
    public required string Name { get; init; }
    public required string Domain { get; init; }
    public string Type { get; init; } = "self_hosted";
    public string SessionDuration { get; init; } = "24h";
    public IReadOnlyList<string>? SelfHostedDomains { get; init; }
    /// <summary>The public hostnames the application covers (<c>{"type": "public", "uri": ...}</c>), Cloudflare's newer form of the domain.</summary>
    public JsonArray? Destinations { get; init; }
    public IReadOnlyList<string> AllowedIdps { get; init; } = [];
    public bool AppLauncherVisible { get; init; } = true;
    public bool AutoRedirectToIdentity { get; init; }
    public bool EnableBindingCookie { get; init; }
    public bool HttpOnlyCookieAttribute { get; init; } = true;
    public bool OptionsPreflightBypass { get; init; }
    [JsonPropertyName("service_auth_401_redirect")]
    public bool ServiceAuth401Redirect { get; init; }
    public bool SkipInterstitial { get; init; }
    public IReadOnlyList<string> Tags { get; init; } = [];
    public IReadOnlyList<AccessPolicy>? Policies { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset UpdatedAt { get; init; }
}

/// <summary>An Access policy: a decision (<c>allow</c>, <c>deny</c>, <c>bypass</c>, <c>non_identity</c>) and rules.</summary>
public sealed record AccessPolicy
{
    public string Id { get; init; } = "";
    public required string Name { get; init; }
    public required string Decision { get; init; }
    public required JsonArray Include { get; init; }
    public JsonArray Exclude { get; init; } = [];
    public JsonArray Require { get; init; } = [];
    public int? Precedence { get; init; }
    public JsonArray ApprovalGroups { get; init; } = [];
    public bool ApprovalRequired { get; init; }
    public bool IsolationRequired { get; init; }
    public bool PurposeJustificationRequired { get; init; }
    public string? SessionDuration { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset UpdatedAt { get; init; }
}

/// <summary>An Access service token; <see cref="ClientSecret"/> is set only in the create response.</summary>
public sealed record ServiceToken
{
    public string Id { get; init; } = "";
    public required string Name { get; init; }
    public string ClientId { get; init; } = "";
    public string? ClientSecret { get; init; }
    public string Duration { get; init; } = "8760h";
    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset UpdatedAt { get; init; }
    public DateTimeOffset ExpiresAt { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    public DateTimeOffset? LastSeenAt { get; init; }
}

/// <summary>One entry of the envelope's <c>errors</c> or <c>messages</c>.</summary>
public sealed record ApiMessage(int Code, string Message);

/// <summary>The envelope's <c>result_info</c> of list calls.</summary>
public sealed record ResultInfo(int Page, int PerPage, int Count, int TotalCount)
{
    [JsonPropertyName("total_pages")]
    public int TotalPages => PerPage == 0 ? 0 : (TotalCount + PerPage - 1) / PerPage;
}
