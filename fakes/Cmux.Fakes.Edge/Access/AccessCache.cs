using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Cmux.Cloudflare.Api;
using Cmux.Fakes.Edge.RemoteConfig;
using Microsoft.Extensions.Options;

namespace Cmux.Fakes.Edge.Access;

/// <summary>
/// What Access has already checked, so a request does not cost an API call and an RSA signature
/// (Cloudflare's edge validates a service token once and then carries the session): verified
/// service tokens (by client id and a hash of the secret), the session JWT issued for a token and
/// an application, and cookies whose signature was verified. An entry lives for its lifetime
/// (<see cref="EdgeOptions.AccessCacheLifetime"/> at most for a verification, the JWT's <c>exp</c>
/// for a session) and is dropped as soon as a snapshot of the API read after it was made no longer
/// lists its token as it was (deleted, or rotated: <c>updated_at</c> changed). So a revocation takes
/// effect within one <see cref="EdgeOptions.RefreshInterval"/> (plus the time of one refresh).
/// </summary>
public sealed class AccessCache(TimeProvider time, IOptions<EdgeOptions> options)
{
    private readonly ConcurrentDictionary<(string ClientId, string SecretHash), VerifiedEntry> _verified = new();
    private readonly ConcurrentDictionary<(string Aud, string TokenId), SessionEntry> _sessions = new();
    private readonly ConcurrentDictionary<string, CookieEntry> _cookies = new(StringComparer.Ordinal);
    // When each token this edge verified was created: a snapshot read after that which lacks it means it is gone.
    private readonly ConcurrentDictionary<string, DateTimeOffset> _created = new(StringComparer.Ordinal);
    private long _verifications;

    /// <summary>How many service-token checks went to the API (cache misses).</summary>
    public long Verifications => Interlocked.Read(ref _verifications);

    /// <summary>The token these credentials were verified as, while that verification stands; else null.</summary>
    public ServiceToken? Verified(string clientId, string secret, EdgeSnapshot snapshot)
    {
        var key = (clientId, Hash(secret));
        if (!_verified.TryGetValue(key, out var entry))
        {
            return null;
        }
        if (time.GetUtcNow() >= entry.Until || Revoked(entry.Token, entry.At, snapshot))
        {
            _verified.TryRemove(key, out _);
            return null;
        }
        return entry.Token;
    }

    /// <summary>Verifies through <paramref name="verify"/> (the API) and remembers the answer.</summary>
    public async Task<ServiceToken> VerifyAsync(string clientId, string secret, Func<Task<ServiceToken>> verify)
    {
        var at = time.GetUtcNow();
        Interlocked.Increment(ref _verifications);
        var token = await verify();
        var until = at + options.Value.AccessCacheLifetime;
        if (token.ExpiresAt > at && token.ExpiresAt < until)
        {
            until = token.ExpiresAt;
        }
        _verified[(clientId, Hash(secret))] = new VerifiedEntry(token, at, until);
        _created[token.Id] = token.CreatedAt;
        return token;
    }

    /// <summary>The session JWT for this token and application, issued once and reused for the first half of its life.</summary>
    public string Session(string aud, ServiceToken token, TimeSpan lifetime, Func<string> issue)
    {
        var now = time.GetUtcNow();
        var key = (aud, token.Id);
        if (_sessions.TryGetValue(key, out var session) && now < session.Issued + lifetime / 2 && session.UpdatedAt == token.UpdatedAt)
        {
            return session.Jwt;
        }
        var jwt = issue();
        _sessions[key] = new SessionEntry(jwt, now, token.UpdatedAt);
        return jwt;
    }

    /// <summary>The claims of a cookie already verified by <paramref name="validate"/>, while it has not expired and its token stands.</summary>
    public JsonObject? Cookie(string cookie, string aud, EdgeSnapshot snapshot, Func<JsonObject?> validate)
    {
        var now = time.GetUtcNow();
        if (!_cookies.TryGetValue(cookie, out var entry))
        {
            if (validate() is not { } claims)
            {
                return null;
            }
            entry = new CookieEntry(claims, aud, DateTimeOffset.FromUnixTimeSeconds(claims["exp"]?.GetValue<long>() ?? 0),
                DateTimeOffset.FromUnixTimeSeconds(claims["iat"]?.GetValue<long>() ?? 0));
            if (_cookies.Count > 10_000)
            {
                _cookies.Clear();
            }
            _cookies[cookie] = entry;
        }
        var tokenId = entry.Claims["service_token_id"]?.GetValue<string>();
        if (entry.Aud != aud || now >= entry.Expires)
        {
            return null;
        }
        // A snapshot read after the token existed (its creation if this edge verified it, else
        // the session's iat, whole seconds) that lacks it ends the session.
        var existedBy = tokenId is not null && _created.TryGetValue(tokenId, out var created) ? created : entry.IssuedAt.AddSeconds(1);
        return tokenId is not null && snapshot.FetchedAt > existedBy && snapshot.ServiceTokens.All(t => t.Id != tokenId) ? null : entry.Claims;
    }

    // A snapshot read after the verification that lacks the token, or shows it changed, revokes it.
    private static bool Revoked(ServiceToken token, DateTimeOffset verifiedAt, EdgeSnapshot snapshot)
    {
        if (snapshot.FetchedAt <= verifiedAt)
        {
            return false;
        }
        var current = snapshot.ServiceTokens.FirstOrDefault(t => t.Id == token.Id);
        return current is null || current.UpdatedAt != token.UpdatedAt;
    }

    private static string Hash(string secret) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(secret)));

    private sealed record VerifiedEntry(ServiceToken Token, DateTimeOffset At, DateTimeOffset Until);

    private sealed record SessionEntry(string Jwt, DateTimeOffset Issued, DateTimeOffset UpdatedAt);

    private sealed record CookieEntry(JsonObject Claims, string Aud, DateTimeOffset Expires, DateTimeOffset IssuedAt);
}
