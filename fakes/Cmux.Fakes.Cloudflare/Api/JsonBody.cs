using System.Text.Json;
using System.Text.Json.Nodes;

namespace Cmux.Fakes.Cloudflare.Api;

/// <summary>Reads a request body as a JSON object, so every bad input gets an envelope error, not a framework 400.</summary>
public static class JsonBody
{
    public static async Task<JsonObject?> ReadObjectAsync(HttpRequest request)
    {
        try
        {
            return await JsonNode.ParseAsync(request.Body, cancellationToken: request.HttpContext.RequestAborted) as JsonObject;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    public static IResult Malformed() => ApiResults.Error(StatusCodes.Status400BadRequest, 6007, "Malformed JSON in request body");

    public static string? String(JsonObject body, string key) =>
        body[key] is JsonValue value && value.TryGetValue<string>(out var text) ? text : null;

    public static bool? Bool(JsonObject body, string key) =>
        body[key] is JsonValue value && value.TryGetValue<bool>(out var flag) ? flag : null;
}
