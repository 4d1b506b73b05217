using System.Collections.Concurrent;
using System.Security.Cryptography;
using Microsoft.Extensions.Options;

namespace Cmux.Fakes.Pve.Auth;

/// <summary>
/// PVE's two ways in: an API token in <c>Authorization: PVEAPIToken=USER@REALM!ID=SECRET</c>
/// (no CSRF token needed), or a ticket from <c>POST /access/ticket</c> in the <c>PVEAuthCookie</c>
/// cookie, which needs the <c>CSRFPreventionToken</c> header on every request that is not a GET.
/// </summary>
public sealed class PveAuthenticator(IOptions<PveFakeOptions> options)
{
    public const string TokenScheme = "PVEAPIToken";
    public const string TicketCookie = "PVEAuthCookie";
    public const string CsrfHeader = "CSRFPreventionToken";

    private readonly ConcurrentDictionary<string, Ticket> _tickets = new(StringComparer.Ordinal);

    private AuthOptions Auth => options.Value.Auth;

    /// <summary>The caller, or null with the reason PVE gives (the 401's reason phrase).</summary>
    public Principal? Authenticate(HttpRequest request, out string failure)
    {
        var authorization = request.Headers.Authorization.ToString();
        if (authorization.StartsWith(TokenScheme, StringComparison.Ordinal))
        {
            return AuthenticateToken(authorization[TokenScheme.Length..].TrimStart('=', ' '), out failure);
        }
        if (request.Cookies.TryGetValue(TicketCookie, out var cookie))
        {
            return AuthenticateTicket(request, Uri.UnescapeDataString(cookie), out failure);
        }
        failure = "No ticket";
        return null;
    }

    /// <summary>A new ticket for a user whose password matches, else null.</summary>
    public Ticket? Login(string username, string password, string? realm)
    {
        var name = realm is null || username.Contains('@') ? username : $"{username}@{realm}";
        var user = Auth.Users.FirstOrDefault(u => u.Name == name);
        if (user is null || !FixedTimeEquals(user.Password, password))
        {
            return null;
        }
        var stamp = DateTimeOffset.UtcNow.ToUnixTimeSeconds().ToString("X8");
        var ticket = new Ticket(
            name,
            $"PVE:{name}:{stamp}::{Convert.ToBase64String(RandomNumberGenerator.GetBytes(96))}",
            $"{stamp}:{Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=')}");
        _tickets[ticket.Value] = ticket;
        return ticket;
    }

    private Principal? AuthenticateToken(string value, out string failure)
    {
        failure = "invalid token value!";
        var separator = value.LastIndexOf('=');
        if (separator <= 0)
        {
            return null;
        }
        var (id, secret) = (value[..separator], value[(separator + 1)..]);
        var token = Auth.Tokens.FirstOrDefault(t => t.Id == id);
        if (token is null || !FixedTimeEquals(token.Secret, secret))
        {
            return null;
        }
        failure = "";
        return new Principal(id, token.Privileges.ToHashSet(StringComparer.Ordinal), ViaTicket: false);
    }

    private Principal? AuthenticateTicket(HttpRequest request, string value, out string failure)
    {
        if (!_tickets.TryGetValue(value, out var ticket) || Auth.Users.FirstOrDefault(u => u.Name == ticket.Username) is not { } user)
        {
            failure = "invalid PVE ticket";
            return null;
        }
        if (!HttpMethods.IsGet(request.Method) && request.Headers[CsrfHeader].ToString() != ticket.CsrfToken)
        {
            failure = "Permission denied - invalid csrf token";
            return null;
        }
        failure = "";
        return new Principal(user.Name, user.Privileges.ToHashSet(StringComparer.Ordinal), ViaTicket: true);
    }

    private static bool FixedTimeEquals(string expected, string actual) =>
        CryptographicOperations.FixedTimeEquals(System.Text.Encoding.UTF8.GetBytes(expected), System.Text.Encoding.UTF8.GetBytes(actual));
}
