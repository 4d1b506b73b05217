using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace Cmux.Execd.Profiles;

/// <summary>
/// The cmux daemons' token auth: the token is the configured one, else the first token file
/// holding one (re-read on every request, so a rotated token applies at once). No auth only when
/// no token is configured and none of the files exists. It fails closed: a configured token that
/// is blank, or a token file that exists but yields no token (empty, whitespace, a directory,
/// unreadable) while no file holds one, refuses every request with 401 and logs why.
/// </summary>
public sealed class TokenAuth(IOptions<ExecdOptions> options, ILogger<TokenAuth> logger)
{
    public const string CookieName = "_cmux_auth";

    private readonly ExecdOptions _options = options.Value;
    private string? _lastProblem;

    public bool IsAuthorized(HttpRequest request)
    {
        var (token, problem) = CurrentToken();
        if (problem is not null)
        {
            WarnOnce(problem);
            return false;
        }
        return token is null || Presented(request).Any(candidate => Matches(candidate, token));
    }

    /// <summary>The token, or a problem that makes auth refuse everything; both null: no auth.</summary>
    public (string? Token, string? Problem) CurrentToken()
    {
        if (_options.AuthToken is { } configured)
        {
            return configured.Trim() is { Length: > 0 } trimmed ? (trimmed, null) : (null, "Execd:AuthToken is set but blank");
        }
        string? problem = null;
        foreach (var path in _options.EffectiveTokenFiles)
        {
            var (token, unusable) = ReadToken(path);
            if (token is not null)
            {
                return (token, null);
            }
            problem ??= unusable;
        }
        return (null, problem);
    }

    private static (string? Token, string? Problem) ReadToken(string path)
    {
        if (Directory.Exists(path))
        {
            return (null, $"token file {path} is a directory");
        }
        if (!File.Exists(path))
        {
            // A dangling symlink exists too: someone meant a token to be there.
            return new FileInfo(path).LinkTarget is null ? (null, null) : (null, $"token file {path} is a dangling symlink");
        }
        try
        {
            var token = File.ReadAllText(path).Trim();
            return token.Length > 0 ? (token, null) : (null, $"token file {path} is empty");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return (null, $"token file {path} is unreadable: {e.Message}");
        }
    }

    private void WarnOnce(string problem)
    {
        if (Interlocked.Exchange(ref _lastProblem, problem) != problem)
        {
            logger.LogWarning("Auth fails closed, every request is refused until this is fixed: {Problem}", problem);
        }
    }

    // As Go's cmux daemons parse it: the "Bearer " prefix exactly (case and one space), else the
    // whole header is the token. Kestrel has already trimmed the value's outer whitespace.
    private static IEnumerable<string> Presented(HttpRequest request)
    {
        var authorization = request.Headers.Authorization.ToString();
        if (authorization.Length > 0)
        {
            yield return authorization.StartsWith("Bearer ", StringComparison.Ordinal) ? authorization["Bearer ".Length..] : authorization;
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
