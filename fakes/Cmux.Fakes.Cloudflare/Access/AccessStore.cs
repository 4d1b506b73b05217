using System.Security.Cryptography;
using System.Text;
using Cmux.Cloudflare.Api;

namespace Cmux.Fakes.Cloudflare.Access;

/// <summary>Access applications with their policies, and service tokens (whose secrets are kept only as hashes).</summary>
public sealed class AccessStore(TimeProvider time)
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, AccessApplication> _apps = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<AccessPolicy>> _policies = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (ServiceToken Token, byte[] SecretHash)> _tokens = new(StringComparer.Ordinal);

    public IReadOnlyList<AccessApplication> Applications()
    {
        lock (_lock)
        {
            return _apps.Values.OrderBy(a => a.CreatedAt).Select(WithPolicies).ToList();
        }
    }

    public AccessApplication? Application(string id)
    {
        lock (_lock)
        {
            return _apps.GetValueOrDefault(id) is { } app ? WithPolicies(app) : null;
        }
    }

    public AccessApplication AddApplication(AccessApplication app, IEnumerable<AccessPolicy> policies)
    {
        lock (_lock)
        {
            var now = time.GetUtcNow();
            var stored = app with { Id = Guid.NewGuid().ToString(), Aud = RandomHex(32), CreatedAt = now, UpdatedAt = now, Policies = null };
            _apps[stored.Id] = stored;
            _policies[stored.Id] = [];
            foreach (var policy in policies)
            {
                AddPolicyLocked(stored.Id, policy);
            }
            return WithPolicies(stored);
        }
    }

    public AccessApplication? DeleteApplication(string id)
    {
        lock (_lock)
        {
            _policies.Remove(id);
            return _apps.Remove(id, out var app) ? app : null;
        }
    }

    public IReadOnlyList<AccessPolicy>? Policies(string appId)
    {
        lock (_lock)
        {
            return _policies.GetValueOrDefault(appId)?.ToList();
        }
    }

    public AccessPolicy? AddPolicy(string appId, AccessPolicy policy)
    {
        lock (_lock)
        {
            return _apps.ContainsKey(appId) ? AddPolicyLocked(appId, policy) : null;
        }
    }

    public AccessPolicy? DeletePolicy(string appId, string policyId)
    {
        lock (_lock)
        {
            var policies = _policies.GetValueOrDefault(appId);
            var policy = policies?.FirstOrDefault(p => p.Id == policyId);
            policies?.Remove(policy!);
            return policy;
        }
    }

    public IReadOnlyList<ServiceToken> ServiceTokens()
    {
        lock (_lock)
        {
            return _tokens.Values.Select(t => t.Token).OrderBy(t => t.CreatedAt).ToList();
        }
    }

    /// <summary>Creates a token; the returned copy is the only one that carries the secret.</summary>
    public ServiceToken AddServiceToken(string name, string duration)
    {
        lock (_lock)
        {
            var now = time.GetUtcNow();
            var secret = RandomHex(32);
            var token = new ServiceToken
            {
                Id = Guid.NewGuid().ToString(),
                Name = name,
                ClientId = $"{RandomHex(16)}.access",
                Duration = duration,
                CreatedAt = now,
                UpdatedAt = now,
                ExpiresAt = now.AddHours(8760),
            };
            _tokens[token.Id] = (token, Hash(secret));
            return token with { ClientSecret = secret };
        }
    }

    /// <summary>A new secret for the token (the old one stops working at once); the returned copy carries it.</summary>
    public ServiceToken? RotateServiceToken(string id)
    {
        lock (_lock)
        {
            if (!_tokens.TryGetValue(id, out var entry))
            {
                return null;
            }
            var secret = RandomHex(32);
            var token = entry.Token with { UpdatedAt = time.GetUtcNow() };
            _tokens[id] = (token, Hash(secret));
            return token with { ClientSecret = secret };
        }
    }

    public ServiceToken? DeleteServiceToken(string id)
    {
        lock (_lock)
        {
            return _tokens.Remove(id, out var entry) ? entry.Token : null;
        }
    }

    /// <summary>The token with this client id and secret, if any (constant-time comparison).</summary>
    public ServiceToken? Verify(string clientId, string clientSecret)
    {
        lock (_lock)
        {
            var entry = _tokens.Values.FirstOrDefault(t => t.Token.ClientId == clientId);
            return entry.Token is not null && CryptographicOperations.FixedTimeEquals(entry.SecretHash, Hash(clientSecret)) ? entry.Token : null;
        }
    }

    private AccessPolicy AddPolicyLocked(string appId, AccessPolicy policy)
    {
        var now = time.GetUtcNow();
        var list = _policies[appId];
        var stored = policy with
        {
            Id = Guid.NewGuid().ToString(),
            Precedence = policy.Precedence ?? list.Count + 1,
            SessionDuration = policy.SessionDuration ?? _apps[appId].SessionDuration,
            CreatedAt = now,
            UpdatedAt = now,
        };
        list.Add(stored);
        return stored;
    }

    private AccessApplication WithPolicies(AccessApplication app) =>
        app with { Policies = _policies.GetValueOrDefault(app.Id)?.OrderBy(p => p.Precedence).ToList() ?? [] };

    private static byte[] Hash(string secret) => SHA256.HashData(Encoding.UTF8.GetBytes(secret));

    private static string RandomHex(int bytes) => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(bytes));
}
