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
    public DateTimeOffset? DeletedAt { get; init; }
    public IReadOnlyList<JsonObject> Connections { get; init; } = [];
    public string Status { get; init; } = "inactive";
    public bool RemoteConfig { get; init; }
    public string TunType { get; init; } = "cfd_tunnel";
    public JsonObject Metadata { get; init; } = [];
}

/// <summary>A tunnel's remotely managed configuration, as <c>GET/PUT .../configurations</c> return it.</summary>
public sealed record TunnelConfiguration
{
    public required string TunnelId { get; init; }
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
    public string? Comment { get; init; }
    public IReadOnlyList<string>? Tags { get; init; }
    public DateTimeOffset CreatedOn { get; init; }
    public DateTimeOffset ModifiedOn { get; init; }
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
}

/// <summary>One entry of the envelope's <c>errors</c> or <c>messages</c>.</summary>
public sealed record ApiMessage(int Code, string Message);

/// <summary>The envelope's <c>result_info</c> of list calls.</summary>
public sealed record ResultInfo(int Page, int PerPage, int Count, int TotalCount)
{
    [JsonPropertyName("total_pages")]
    public int TotalPages => PerPage == 0 ? 0 : (TotalCount + PerPage - 1) / PerPage;
}
