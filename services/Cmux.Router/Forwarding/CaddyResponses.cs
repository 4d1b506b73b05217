using System.Text;
using Cmux.Contract;
using Cmux.Router.Routing;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Net.Http.Headers;

namespace Cmux.Router.Forwarding;

/// <summary>The answers Caddy gives itself rather than an upstream, byte for byte.</summary>
public sealed class CaddyResponses(RouterProfile profile, string? domain = null)
{
    public const string TextPlain = "text/plain; charset=utf-8";

    private const string XContentLength = "X-Content-Length";
    private const string PortPlaceholder = "{port}";

    private static readonly byte[] ConflictingLengthBody =
        "400 Bad Request: Content-Length and Transfer-Encoding are both present"u8.ToArray();

    // The 404 text is "{before}{port}{after}": Caddy substitutes its {port} placeholder (the request's
    // port, empty when the Host has none) and leaves the unknown {vmid}/{instanceId}/{domain} as typed.
    private readonly (byte[] Before, byte[] After) _notFound = SplitAtPort(profile == RouterProfile.Cmux
        ? $"cmux sandbox not found. Use format: {CmuxTemplate(domain)}"
        : $"Use format: {UrlPatterns.SeedTemplate}");

    public Task NotFoundAsync(HttpContext context)
    {
        var port = HostPort.PortOf(context.Request.Headers.Host.ToString());
        var (before, after) = _notFound;
        var length = before.Length + Encoding.UTF8.GetByteCount(port) + after.Length;
        var response = context.Response;
        response.StatusCode = StatusCodes.Status404NotFound;
        response.ContentType = TextPlain;
        response.ContentLength = length;
        var writer = response.BodyWriter;
        var span = writer.GetSpan(length);
        before.CopyTo(span);
        var written = before.Length + Encoding.UTF8.GetBytes(port, span[before.Length..]);
        after.CopyTo(span[written..]);
        writer.Advance(length);
        return writer.FlushAsync().AsTask();
    }

    /// <summary>cmux's setup script writes its domain into the 404 text when it generates the Caddyfile.</summary>
    private static string CmuxTemplate(string? domain) => domain is { Length: > 0 }
        ? UrlPatterns.CmuxTemplate.Replace("{domain}", domain, StringComparison.Ordinal)
        : UrlPatterns.CmuxTemplate;

    private static (byte[] Before, byte[] After) SplitAtPort(string text)
    {
        var at = text.IndexOf(PortPlaceholder, StringComparison.Ordinal);
        return (Encoding.UTF8.GetBytes(text[..at]), Encoding.UTF8.GetBytes(text[(at + PortPlaceholder.Length)..]));
    }

    /// <summary>
    /// A request framed two ways is how requests are smuggled past proxies, so it never reaches an
    /// upstream: 400, and the connection ends. Kestrel has already moved the Content-Length into
    /// X-Content-Length (and will close the connection) by the time we see it.
    /// </summary>
    public static bool HasConflictingLength(HttpRequest request)
    {
        var headers = request.Headers;
        return headers.ContainsKey(HeaderNames.TransferEncoding)
            && (headers.ContainsKey(HeaderNames.ContentLength) || headers.ContainsKey(XContentLength));
    }

    public static Task ConflictingLengthAsync(HttpContext context)
    {
        var response = context.Response;
        response.StatusCode = StatusCodes.Status400BadRequest;
        response.ContentType = TextPlain;
        response.ContentLength = ConflictingLengthBody.Length;
        response.Headers.Connection = "close";
        return response.Body.WriteAsync(ConflictingLengthBody).AsTask();
    }

    private static readonly byte[] BadRequestBody = "400 Bad Request"u8.ToArray();

    /// <summary>
    /// What Go's server answers, before any handler, to a request it cannot parse (a target with a
    /// bad percent escape): 400, its two-word text, and
    /// the connection closed.
    /// </summary>
    public static Task BadRequestAsync(HttpContext context, string? reason = null)
    {
        var body = reason is null ? BadRequestBody : Encoding.UTF8.GetBytes($"400 Bad Request: {reason}");
        var response = context.Response;
        response.StatusCode = StatusCodes.Status400BadRequest;
        response.ContentType = TextPlain;
        response.ContentLength = body.Length;
        response.Headers.Connection = "close";
        return response.Body.WriteAsync(body).AsTask();
    }

    /// <summary>Go's server refuses an Expect other than 100-continue itself: 417, no body, connection closed.</summary>
    public static Task ExpectationFailedAsync(HttpContext context)
    {
        var response = context.Response;
        response.StatusCode = StatusCodes.Status417ExpectationFailed;
        response.ContentLength = 0;
        response.Headers.Connection = "close";
        return Task.CompletedTask;
    }

    /// <summary>An Expect header that does not ask for 100-continue (Go matches the token case-insensitively).</summary>
    public static bool HasUnknownExpectation(HttpRequest request)
    {
        var expect = request.Headers.Expect;
        if (expect.Count == 0)
        {
            return false;
        }
        foreach (var value in expect)
        {
            foreach (var range in value.AsSpan().Split(','))
            {
                if (value.AsSpan(range).Trim().Equals("100-continue", StringComparison.OrdinalIgnoreCase))
                {
                    return false;
                }
            }
        }
        return !string.IsNullOrEmpty(expect.ToString());
    }

    /// <summary><c>OPTIONS *</c> asks about the server, not a resource: Go's server answers it itself.</summary>
    public static bool IsServerWideOptions(HttpContext context) =>
        HttpMethods.IsOptions(context.Request.Method) && context.Features.GetRequiredFeature<IHttpRequestFeature>().RawTarget == "*";

    public static Task ServerWideOptionsAsync(HttpContext context)
    {
        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentLength = 0;
        return Task.CompletedTask;
    }

    /// <summary>What Caddy answers when it cannot reach the upstream: 502 and no body.</summary>
    public static Task BadGatewayAsync(HttpContext context)
    {
        context.Response.StatusCode = StatusCodes.Status502BadGateway;
        context.Response.ContentLength = 0;
        return Task.CompletedTask;
    }

    /// <summary>A forwarding loop, cut here: 508 (RFC 5842) and the reason as text; the connection stays usable.</summary>
    public static Task LoopDetectedAsync(HttpContext context, string reason)
    {
        var response = context.Response;
        response.Clear();
        response.StatusCode = StatusCodes.Status508LoopDetected;
        response.ContentType = TextPlain;
        return response.WriteAsync($"508 Loop Detected: {reason}.");
    }

    public static Task PortNotAllowedAsync(HttpContext context, int port)
    {
        context.Response.StatusCode = StatusCodes.Status403Forbidden;
        context.Response.ContentType = TextPlain;
        return context.Response.WriteAsync($"Port {port} is not in Router:AllowedPorts.");
    }

    /// <summary>cmux's Caddyfile answers every OPTIONS itself, whatever the Host, before any route.</summary>
    public static Task PreflightAsync(HttpContext context)
    {
        var headers = context.Response.Headers;
        context.Response.StatusCode = StatusCodes.Status204NoContent;
        headers.AccessControlAllowOrigin = "*";
        headers.AccessControlAllowMethods = CaddyTransformer.CmuxAllowedMethods;
        headers.AccessControlAllowHeaders = "*";
        headers.AccessControlMaxAge = "86400";
        return Task.CompletedTask;
    }
}
