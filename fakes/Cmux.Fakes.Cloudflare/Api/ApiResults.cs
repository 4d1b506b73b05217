using System.Text.Json.Nodes;
using Cmux.Cloudflare.Api;

namespace Cmux.Fakes.Cloudflare.Api;

/// <summary>The v4 envelope: <c>{success, errors, messages, result, result_info?}</c>.</summary>
public static class ApiResults
{
    public static IResult Ok(object? result, int status = StatusCodes.Status200OK) =>
        Envelope(status, true, [], result is null ? null : System.Text.Json.JsonSerializer.SerializeToNode(result, CloudflareJson.Options));

    public static IResult Error(int status, int code, string message) => Envelope(status, false, [new ApiMessage(code, message)], null);

    /// <summary>A page of <paramref name="items"/> with <c>result_info</c>; <c>page</c> and <c>per_page</c> come from the query.</summary>
    public static IResult List<T>(IReadOnlyList<T> items, HttpRequest request)
    {
        var page = Math.Max(1, ReadInt(request, "page", 1));
        var perPage = Math.Clamp(ReadInt(request, "per_page", 100), 1, 1000);
        var slice = items.Skip((page - 1) * perPage).Take(perPage).ToList();
        var envelope = EnvelopeNode(true, [], System.Text.Json.JsonSerializer.SerializeToNode(slice, CloudflareJson.Options));
        envelope["result_info"] = System.Text.Json.JsonSerializer.SerializeToNode(
            new ResultInfo(page, perPage, slice.Count, items.Count), CloudflareJson.Options);
        return Results.Json(envelope, statusCode: StatusCodes.Status200OK);
    }

    private static int ReadInt(HttpRequest request, string key, int fallback) =>
        int.TryParse(request.Query[key], out var value) ? value : fallback;

    private static IResult Envelope(int status, bool success, ApiMessage[] errors, JsonNode? result) =>
        Results.Json(EnvelopeNode(success, errors, result), statusCode: status);

    private static JsonObject EnvelopeNode(bool success, ApiMessage[] errors, JsonNode? result) => new()
    {
        ["success"] = success,
        ["errors"] = System.Text.Json.JsonSerializer.SerializeToNode(errors, CloudflareJson.Options),
        ["messages"] = new JsonArray(),
        ["result"] = result,
    };
}
