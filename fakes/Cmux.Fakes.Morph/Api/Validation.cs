using System.Text.Json;

namespace Cmux.Fakes.Morph.Api;

/// <summary>
/// Collects request validation errors and answers them as FastAPI does: 422 with
/// <c>{"detail": [{"type", "loc", "msg"}]}</c>.
/// </summary>
public sealed class Validation
{
    private readonly List<ValidationError> _errors = [];

    public bool HasErrors => _errors.Count > 0;

    public IResult Result() => Results.Json(new { Detail = _errors }, statusCode: StatusCodes.Status422UnprocessableEntity);

    public void Add(string type, string message, params object[] location) => _errors.Add(new ValidationError(type, location, message));

    /// <summary>Reads a JSON object body; an absent body is an empty object when <paramref name="optional"/>.</summary>
    public async Task<JsonElement> ReadObjectAsync(HttpRequest request, bool optional)
    {
        using var buffer = new MemoryStream();
        await request.Body.CopyToAsync(buffer, request.HttpContext.RequestAborted);
        if (buffer.Length == 0)
        {
            if (!optional)
            {
                Add("missing", "Field required", "body");
            }
            return default;
        }
        try
        {
            using var document = JsonDocument.Parse(buffer.ToArray());
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                Add("model_attributes_type", "Input should be a valid dictionary or object", "body");
                return default;
            }
            return document.RootElement.Clone();
        }
        catch (JsonException e)
        {
            Add("json_invalid", $"JSON decode error: {e.Message}", "body");
            return default;
        }
    }

    public string? String(JsonElement body, string field, bool required)
    {
        if (!TryGet(body, field, required, out var value))
        {
            return null;
        }
        if (value.ValueKind != JsonValueKind.String)
        {
            Add("string_type", "Input should be a valid string", "body", field);
            return null;
        }
        return value.GetString();
    }

    /// <summary>A boolean, as pydantic takes one from JSON: true/false (and 0/1).</summary>
    public bool? Boolean(JsonElement body, string field)
    {
        if (!TryGet(body, field, required: false, out var value))
        {
            return null;
        }
        switch (value.ValueKind)
        {
            case JsonValueKind.True:
                return true;
            case JsonValueKind.False:
                return false;
            case JsonValueKind.Number when value.TryGetInt32(out var n) && n is 0 or 1:
                return n == 1;
            default:
                Add("bool_type", "Input should be a valid boolean", "body", field);
                return null;
        }
    }

    public int? Integer(JsonElement body, string field, bool required, int min, int max)
    {
        if (!TryGet(body, field, required, out var value))
        {
            return null;
        }
        if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt32(out var number))
        {
            Add("int_type", "Input should be a valid integer", "body", field);
            return null;
        }
        if (number < min || number > max)
        {
            Add("value_error", $"Input should be between {min} and {max}", "body", field);
            return null;
        }
        return number;
    }

    /// <summary>A JSON object of strings (metadata).</summary>
    public Dictionary<string, string> StringMap(JsonElement body, string field)
    {
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        if (!TryGet(body, field, required: false, out var value))
        {
            return map;
        }
        if (value.ValueKind != JsonValueKind.Object)
        {
            Add("dict_type", "Input should be a valid dictionary", "body", field);
            return map;
        }
        foreach (var property in value.EnumerateObject())
        {
            if (property.Value.ValueKind != JsonValueKind.String)
            {
                Add("string_type", "Input should be a valid string", "body", field, property.Name);
                continue;
            }
            map[property.Name] = property.Value.GetString()!;
        }
        return map;
    }

    /// <summary>
    /// A command: a non-empty list of strings, as Morph's API schema types it and both official
    /// SDKs send it (they wrap a single string in a list). A bare string is refused as pydantic
    /// refuses it, with a <c>list_type</c> error.
    /// </summary>
    public IReadOnlyList<string>? Command(JsonElement body)
    {
        if (!TryGet(body, "command", required: true, out var value))
        {
            return null;
        }
        if (value.ValueKind != JsonValueKind.Array)
        {
            Add("list_type", "Input should be a valid list", "body", "command");
            return null;
        }
        if (value.GetArrayLength() == 0 || value.EnumerateArray().Any(e => e.ValueKind != JsonValueKind.String)
            || value.EnumerateArray().All(e => string.IsNullOrWhiteSpace(e.GetString())))
        {
            Add("too_short", "List should have at least 1 item of a non-empty string", "body", "command");
            return null;
        }
        return value.EnumerateArray().Select(e => e.GetString()!).ToList();
    }

    private bool TryGet(JsonElement body, string field, bool required, out JsonElement value)
    {
        value = default;
        if (body.ValueKind == JsonValueKind.Object && body.TryGetProperty(field, out value) && value.ValueKind != JsonValueKind.Null)
        {
            return true;
        }
        if (required && body.ValueKind == JsonValueKind.Object)
        {
            Add("missing", "Field required", "body", field);
        }
        return false;
    }
}

public sealed record ValidationError(string Type, IReadOnlyList<object> Loc, string Msg);
