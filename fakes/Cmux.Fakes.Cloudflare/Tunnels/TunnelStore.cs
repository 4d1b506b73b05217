using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Cmux.Cloudflare.Api;
using Microsoft.Extensions.Options;

namespace Cmux.Fakes.Cloudflare.Tunnels;

/// <summary>The account's tunnels, their secrets and their versioned remote configurations.</summary>
public sealed class TunnelStore(IOptions<CloudflareOptions> options, TimeProvider time)
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, Entry> _tunnels = new(StringComparer.OrdinalIgnoreCase);

    public IReadOnlyList<Tunnel> List(Func<Tunnel, bool> filter)
    {
        lock (_lock)
        {
            return _tunnels.Values.Select(e => e.Tunnel).Where(filter).OrderBy(t => t.CreatedAt).ToList();
        }
    }

    public Tunnel? Get(string id)
    {
        lock (_lock)
        {
            return _tunnels.GetValueOrDefault(id)?.Tunnel;
        }
    }

    /// <summary>Creates a tunnel; null when a live tunnel already has the name.</summary>
    public Tunnel? Create(string name, bool remoteConfig, byte[] secret)
    {
        lock (_lock)
        {
            if (_tunnels.Values.Any(e => e.Tunnel.DeletedAt is null && e.Tunnel.Name == name))
            {
                return null;
            }
            var tunnel = new Tunnel
            {
                Id = Guid.NewGuid().ToString(),
                AccountTag = options.Value.AccountId,
                Name = name,
                CreatedAt = time.GetUtcNow(),
                RemoteConfig = remoteConfig,
                ConfigSrc = remoteConfig ? "cloudflare" : "local",
            };
            _tunnels[tunnel.Id] = new Entry(tunnel, secret, null);
            return tunnel;
        }
    }

    public Tunnel? Delete(string id) => Update(id, e => e with { Tunnel = e.Tunnel with { DeletedAt = time.GetUtcNow() } })?.Tunnel;

    /// <summary>cloudflared's token: base64 of <c>{"a": account, "t": tunnel id, "s": base64 secret}</c>.</summary>
    public string? Token(string id)
    {
        lock (_lock)
        {
            if (_tunnels.GetValueOrDefault(id) is not { } entry)
            {
                return null;
            }
            var json = JsonSerializer.Serialize(new { a = entry.Tunnel.AccountTag, t = entry.Tunnel.Id, s = Convert.ToBase64String(entry.Secret) });
            return Convert.ToBase64String(Encoding.UTF8.GetBytes(json));
        }
    }

    public TunnelConfiguration? GetConfiguration(string id)
    {
        lock (_lock)
        {
            return _tunnels.GetValueOrDefault(id) is { } entry
                ? entry.Configuration ?? new TunnelConfiguration { TunnelId = id, AccountId = options.Value.AccountId, Version = 0, CreatedAt = entry.Tunnel.CreatedAt }
                : null;
        }
    }

    /// <summary>Stores a new version; putting a configuration makes the tunnel remotely managed.</summary>
    public TunnelConfiguration? PutConfiguration(string id, JsonObject config) => Update(id, e => e with
    {
        Tunnel = e.Tunnel with { RemoteConfig = true, ConfigSrc = "cloudflare" },
        Configuration = new TunnelConfiguration
        {
            TunnelId = id,
            AccountId = options.Value.AccountId,
            Version = (e.Configuration?.Version ?? 0) + 1,
            Config = config,
            CreatedAt = time.GetUtcNow(),
        },
    })?.Configuration;

    public static byte[] NewSecret() => RandomNumberGenerator.GetBytes(32);

    private Entry? Update(string id, Func<Entry, Entry> change)
    {
        lock (_lock)
        {
            if (_tunnels.GetValueOrDefault(id) is not { Tunnel.DeletedAt: null } entry)
            {
                return null;
            }
            return _tunnels[id] = change(entry);
        }
    }

    private sealed record Entry(Tunnel Tunnel, byte[] Secret, TunnelConfiguration? Configuration);
}
