using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace Cmux.Execd.Profiles;

/// <summary>
/// The Go daemon's auth: the token is the configured one, else the first non-empty token file
/// (re-read on every request, so a rotated token applies at once); no token means no auth.
/// Accepted as <c>Authorization: Bearer t</c>, bare <c>Authorization: t</c>, <c>?token=t</c>,
/// or the <c>_cmux_auth</c> cookie.
/// </summary>
public sealed class TokenAuth(IOptions<ExecdOptions> options)
{
    public const string CookieName = "_cmux_auth";

    private readonly ExecdOptions _options = options.Value;

    public bool IsAuthorized(HttpRequest request)
    {
        var expected = CurrentToken();
        if (expected is null)
        {
            return true;
        }
        return Presented(request).Any(candidate => Matches(candidate, expected));
    }

    public string? CurrentToken()
    {
        if (!string.IsNullOrWhiteSpace(_options.AuthToken))
        {
            return _options.AuthToken.Trim();
        }
        foreach (var path in _options.EffectiveTokenFiles)
        {
            var token = ReadToken(path);
            if (token is not null)
            {
                return token;
            }
        }
        return null;
    }

    private static string? ReadToken(string path)
    {
        try
        {
            var token = File.ReadAllText(path).Trim();
            return token.Length > 0 ? token : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static IEnumerable<string> Presented(HttpRequest request)
    {
        var authorization = request.Headers.Authorization.ToString().Trim();
        if (authorization.Length > 0)
        {
            yield return authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)
                ? authorization["Bearer ".Length..].Trim()
                : authorization;
        }
        if (request.Query["token"].ToString() is { Length: > 0 } query)
        {
            yield return query;
        }
        if (request.Cookies[CookieName] is { Length: > 0 } cookie)
        {
            yield return cookie;
        }
    }

    private static bool Matches(string candidate, string expected) =>
        CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(candidate), Encoding.UTF8.GetBytes(expected));
}
