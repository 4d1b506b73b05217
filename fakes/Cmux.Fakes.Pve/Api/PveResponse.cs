using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.Features;

namespace Cmux.Fakes.Pve.Api;

/// <summary>
/// Writes answers byte for byte as pveproxy does: <c>Content-Type: application/json;charset=UTF-8</c>
/// (no space: some clients compare it literally), <c>{"data": ...}</c> on success, and on errors
/// <c>{"data": null, "message": ...}</c> plus <c>"errors"</c> for parameter errors, with the
/// message as the HTTP reason phrase.
/// </summary>
public static class PveResponse
{
    public const string ContentType = "application/json;charset=UTF-8";

    // PVE's JSON encoder leaves non-ASCII and HTML characters as they are.
    private static readonly JsonSerializerOptions JsonOptions = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static Task WriteDataAsync(HttpContext context, JsonNode? data, IReadOnlyDictionary<string, JsonNode?>? extra = null)
    {
        var body = new JsonObject { ["data"] = data };
        foreach (var (name, value) in extra ?? new Dictionary<string, JsonNode?>())
        {
            body[name] = value;
        }
        return WriteAsync(context, StatusCodes.Status200OK, "OK", body);
    }

    public static Task WriteErrorAsync(HttpContext context, PveException error)
    {
        var body = new JsonObject { ["data"] = null };
        if (error.Errors is { } errors)
        {
            body["errors"] = new JsonObject(errors.Select(e => KeyValuePair.Create(e.Key, (JsonNode?)e.Value)));
        }
        body["message"] = error.Message + "\n";
        return WriteAsync(context, error.Status, error.Message, body);
    }

    /// <summary>PVE answers authentication failures with no body at all.</summary>
    public static void WriteUnauthorized(HttpContext context, string reason)
    {
        context.Response.StatusCode = StatusCodes.Status401Unauthorized;
        SetReason(context, reason);
    }

    private static async Task WriteAsync(HttpContext context, int status, string reason, JsonObject body)
    {
        context.Response.StatusCode = status;
        SetReason(context, reason);
        context.Response.Headers.ContentType = ContentType;
        context.Response.Headers.CacheControl = "max-age=0";
        context.Response.Headers.Pragma = "no-cache";
        var bytes = Encoding.UTF8.GetBytes(body.ToJsonString(JsonOptions));
        context.Response.ContentLength = bytes.Length;
        await context.Response.Body.WriteAsync(bytes, context.RequestAborted);
    }

    /// <summary>A reason phrase is one line of visible ASCII; PVE's multi-line messages keep their first line.</summary>
    private static void SetReason(HttpContext context, string reason)
    {
        var line = reason.Split('\n')[0];
        var clean = new string(line.Select(c => c is >= ' ' and <= '~' ? c : ' ').ToArray());
        if (context.Features.Get<IHttpResponseFeature>() is { } feature)
        {
            feature.ReasonPhrase = clean;
        }
    }
}
