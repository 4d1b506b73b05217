using System.Text.Json;

namespace Cmux.Conformance.Providers;

/// <summary>
/// Says what an exec answer looked like on the wire, from the answer itself: its content type
/// and the JSON fields it carried (or, for a stream of JSON lines, the event types). The report's
/// wire-format difference is this measurement, not a description someone wrote down.
/// </summary>
public static class WireShape
{
    public static string Describe(HttpResponseMessage response, string body)
    {
        var type = response.Content.Headers.ContentType?.MediaType ?? "no content type";
        return $"{type} {Fields(body)}";
    }

    private static string Fields(string body)
    {
        var lines = body.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        try
        {
            if (lines.Length == 1)
            {
                using var document = JsonDocument.Parse(lines[0]);
                return document.RootElement.ValueKind == JsonValueKind.Object
                    ? "{" + string.Join(", ", document.RootElement.EnumerateObject().Select(p => p.Name)) + "}"
                    : document.RootElement.ValueKind.ToString().ToLowerInvariant();
            }
            var types = lines.Select(line =>
            {
                using var document = JsonDocument.Parse(line);
                return document.RootElement.TryGetProperty("type", out var t) ? t.GetString() : "?";
            }).Distinct();
            return $"{lines.Length} lines of events [{string.Join(", ", types)}]";
        }
        catch (JsonException)
        {
            return $"{body.Length} bytes of non-JSON";
        }
    }
}
