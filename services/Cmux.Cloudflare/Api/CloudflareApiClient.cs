using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Cmux.Cloudflare.Api;

/// <summary>
/// The part of Cloudflare API v4 cmux uses. <paramref name="http"/> carries the base address
/// (<c>https://api.cloudflare.com/client/v4/</c>, or the fake's) and the bearer token.
/// </summary>
public sealed class CloudflareApiClient(HttpClient http, string accountId, string zoneId)
{
    public string AccountId { get; } = accountId;
    public string ZoneId { get; } = zoneId;

    public static HttpClient CreateHttpClient(Uri baseAddress, string token, HttpMessageHandler? handler = null)
    {
        var client = handler is null ? new HttpClient() : new HttpClient(handler);
        client.BaseAddress = new Uri(baseAddress.ToString().TrimEnd('/') + "/");
        client.DefaultRequestHeaders.Authorization = new("Bearer", token);
        return client;
    }

    // Tunnels

    public Task<IReadOnlyList<Tunnel>> ListTunnelsAsync(string? name = null, bool? isDeleted = false, CancellationToken ct = default) =>
        ListAsync<Tunnel>($"accounts/{AccountId}/cfd_tunnel", Query(("name", name), ("is_deleted", isDeleted?.ToString().ToLowerInvariant())), ct);

    public Task<Tunnel> CreateTunnelAsync(string name, CancellationToken ct = default) =>
        SendAsync<Tunnel>(HttpMethod.Post, $"accounts/{AccountId}/cfd_tunnel", new { name, config_src = "cloudflare" }, ct);

    public Task<string> GetTunnelTokenAsync(string tunnelId, CancellationToken ct = default) =>
        SendAsync<string>(HttpMethod.Get, $"accounts/{AccountId}/cfd_tunnel/{tunnelId}/token", null, ct);

    public Task<TunnelConfiguration> GetTunnelConfigurationAsync(string tunnelId, CancellationToken ct = default) =>
        SendAsync<TunnelConfiguration>(HttpMethod.Get, $"accounts/{AccountId}/cfd_tunnel/{tunnelId}/configurations", null, ct);

    public Task<TunnelConfiguration> PutTunnelConfigurationAsync(string tunnelId, JsonObject config, CancellationToken ct = default) =>
        SendAsync<TunnelConfiguration>(HttpMethod.Put, $"accounts/{AccountId}/cfd_tunnel/{tunnelId}/configurations", new { config }, ct);

    // DNS

    public Task<IReadOnlyList<DnsRecord>> ListDnsRecordsAsync(string? name = null, string? type = null, CancellationToken ct = default) =>
        ListAsync<DnsRecord>($"zones/{ZoneId}/dns_records", Query(("name", name), ("type", type)), ct);

    public Task<DnsRecord> CreateDnsRecordAsync(DnsRecord record, CancellationToken ct = default) =>
        SendAsync<DnsRecord>(HttpMethod.Post, $"zones/{ZoneId}/dns_records", WritableFields(record), ct);

    public Task<DnsRecord> UpdateDnsRecordAsync(string id, DnsRecord record, CancellationToken ct = default) =>
        SendAsync<DnsRecord>(HttpMethod.Put, $"zones/{ZoneId}/dns_records/{id}", WritableFields(record), ct);

    // Access

    public Task<IReadOnlyList<AccessApplication>> ListAccessApplicationsAsync(CancellationToken ct = default) =>
        ListAsync<AccessApplication>($"accounts/{AccountId}/access/apps", "", ct);

    public Task<AccessApplication> CreateAccessApplicationAsync(string name, string domain, CancellationToken ct = default) =>
        SendAsync<AccessApplication>(HttpMethod.Post, $"accounts/{AccountId}/access/apps", new { name, domain, type = "self_hosted" }, ct);

    public Task<IReadOnlyList<AccessPolicy>> ListAccessPoliciesAsync(string appId, CancellationToken ct = default) =>
        ListAsync<AccessPolicy>($"accounts/{AccountId}/access/apps/{appId}/policies", "", ct);

    public Task<AccessPolicy> CreateAccessPolicyAsync(string appId, AccessPolicy policy, CancellationToken ct = default) =>
        SendAsync<AccessPolicy>(HttpMethod.Post, $"accounts/{AccountId}/access/apps/{appId}/policies",
            new { policy.Name, policy.Decision, policy.Include, policy.Exclude, policy.Require, policy.Precedence }, ct);

    public Task<IReadOnlyList<ServiceToken>> ListServiceTokensAsync(CancellationToken ct = default) =>
        ListAsync<ServiceToken>($"accounts/{AccountId}/access/service_tokens", "", ct);

    public Task<ServiceToken> CreateServiceTokenAsync(string name, CancellationToken ct = default) =>
        SendAsync<ServiceToken>(HttpMethod.Post, $"accounts/{AccountId}/access/service_tokens", new { name }, ct);

    /// <summary>A new client secret for the token, the old one revoked; the id, client id and policies stay.</summary>
    public Task<ServiceToken> RotateServiceTokenAsync(string tokenId, CancellationToken ct = default) =>
        SendAsync<ServiceToken>(HttpMethod.Post, $"accounts/{AccountId}/access/service_tokens/{tokenId}/rotate", null, ct);

    /// <summary>Not Cloudflare's: the fake API's check of a service token's secret, for the fake edge
    /// (Cloudflare's own edge has this internally; the public API never shows a secret twice).</summary>
    public Task<ServiceToken> VerifyServiceTokenAsync(string clientId, string clientSecret, CancellationToken ct = default) =>
        SendAsync<ServiceToken>(HttpMethod.Post, $"accounts/{AccountId}/access/service_tokens/verify",
            new { client_id = clientId, client_secret = clientSecret }, ct);

    // Plumbing

    private static object WritableFields(DnsRecord r) => new { r.Type, r.Name, r.Content, r.Proxied, r.Ttl, r.Comment, r.Tags, r.Settings };

    private static string Query(params (string Key, string? Value)[] pairs)
    {
        var present = pairs.Where(p => p.Value is not null).Select(p => $"{p.Key}={Uri.EscapeDataString(p.Value!)}").ToList();
        return present.Count == 0 ? "" : "?" + string.Join('&', present);
    }

    private async Task<IReadOnlyList<T>> ListAsync<T>(string path, string query, CancellationToken ct)
    {
        // Cloudflare pages lists; cmux's accounts are small, but read every page rather than miss one.
        var all = new List<T>();
        for (var page = 1; ; page++)
        {
            var separator = query.Length == 0 ? "?" : "&";
            var envelope = await SendRawAsync(HttpMethod.Get, $"{path}{query}{separator}page={page}&per_page=100", null, ct);
            all.AddRange(envelope["result"].Deserialize<List<T>>(CloudflareJson.Options) ?? []);
            var info = envelope["result_info"].Deserialize<ResultInfo>(CloudflareJson.Options);
            if (info is null || page >= info.TotalPages)
            {
                return all;
            }
        }
    }

    private async Task<T> SendAsync<T>(HttpMethod method, string path, object? body, CancellationToken ct)
    {
        var envelope = await SendRawAsync(method, path, body, ct);
        return envelope["result"].Deserialize<T>(CloudflareJson.Options)
            ?? throw new InvalidOperationException($"{method} {path}: the API returned no result");
    }

    private async Task<JsonObject> SendRawAsync(HttpMethod method, string path, object? body, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = JsonContent.Create(body, options: CloudflareJson.Options);
        }
        using var response = await http.SendAsync(request, ct);
        var text = await response.Content.ReadAsStringAsync(ct);
        var envelope = TryParse(text) ?? throw new CloudflareApiException(response.StatusCode, $"{method} {path}",
            [new ApiMessage(0, $"not a Cloudflare API response: {Truncate(text)}")]);
        if (envelope["success"]?.GetValue<bool>() != true)
        {
            var errors = envelope["errors"].Deserialize<List<ApiMessage>>(CloudflareJson.Options) ?? [];
            throw new CloudflareApiException(response.StatusCode, $"{method} {path}", errors);
        }
        return envelope;
    }

    private static JsonObject? TryParse(string text)
    {
        try
        {
            return JsonNode.Parse(text) as JsonObject;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static string Truncate(string text) => text.Length <= 200 ? text : text[..200] + "...";
}
