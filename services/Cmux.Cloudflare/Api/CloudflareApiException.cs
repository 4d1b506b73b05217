using System.Net;

namespace Cmux.Cloudflare.Api;

/// <summary>A call the API answered with <c>success: false</c>; carries Cloudflare's error codes.</summary>
public sealed class CloudflareApiException(HttpStatusCode status, string operation, IReadOnlyList<ApiMessage> errors)
    : Exception($"{operation} failed ({(int)status}): {string.Join("; ", errors.Select(e => $"{e.Code} {e.Message}"))}")
{
    public HttpStatusCode Status { get; } = status;
    public IReadOnlyList<ApiMessage> Errors { get; } = errors;
}
