using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Cmux.Fakes.Pve.Schema;

/// <summary>
/// PVE's schema dialect (PVE::JSONSchema) for both directions: request parameters arrive as
/// strings and are type-checked and converted first; responses are JSON already. Either way the
/// same rules apply (type, properties/optional/additionalProperties, items, enum, minimum,
/// maximum, minLength/maxLength, pattern, format), with PVE's error texts.
/// </summary>
public static partial class SchemaValidator
{
    public const string Missing = "property is missing and it is not optional";
    public const string NotDefined = "property is not defined in schema and the schema does not allow additional properties";

    /// <summary>
    /// Checks request parameters against a method's <c>parameters</c> schema. Returns the errors by
    /// parameter name (empty when valid) and the converted values.
    /// </summary>
    public static Dictionary<string, string> ValidateParameters(
        JsonElement schema, IReadOnlyDictionary<string, string> values, out Dictionary<string, JsonNode?> converted)
    {
        var errors = new Dictionary<string, string>(StringComparer.Ordinal);
        converted = new Dictionary<string, JsonNode?>(StringComparer.Ordinal);
        var properties = schema.Child("properties");
        foreach (var (name, text) in values)
        {
            if (PropertySchema(properties, name) is not { } property)
            {
                if (!schema.FlagOrTrue("additionalProperties"))
                {
                    errors[name] = NotDefined;
                }
                continue;
            }
            if (Convert(property, text) is not { } value)
            {
                errors[name] = $"type check ('{property.Text("type")}') failed - got '{text}'";
                continue;
            }
            var before = errors.Count;
            CheckValue(property, value, name, errors);
            if (errors.Count == before)
            {
                converted[name] = value;
            }
        }
        foreach (var property in properties?.EnumerateObject() ?? default)
        {
            if (!property.Value.Flag("optional") && !property.Name.EndsWith("[n]", StringComparison.Ordinal) && !values.ContainsKey(property.Name))
            {
                errors[property.Name] = Missing;
            }
        }
        return errors;
    }

    /// <summary>Checks a response's <c>data</c> against a method's <c>returns</c> schema; the errors name the JSON path.</summary>
    public static IReadOnlyList<string> ValidateReturn(JsonElement schema, JsonNode? value)
    {
        var errors = new Dictionary<string, string>(StringComparer.Ordinal);
        CheckValue(schema, value, "data", errors);
        return errors.Select(e => $"{e.Key}: {e.Value}").ToList();
    }

    /// <summary>The schema of a property; <c>net0</c> is described by <c>net[n]</c>.</summary>
    private static JsonElement? PropertySchema(JsonElement? properties, string name)
    {
        if (properties is not { } props)
        {
            return null;
        }
        if (props.Child(name) is { } exact)
        {
            return exact;
        }
        var indexed = IndexedName().Match(name);
        return indexed.Success ? props.Child(indexed.Groups[1].Value + "[n]") : null;
    }

    /// <summary>
    /// A parameter string as the JSON value its type means, or null when it is not of the type.
    /// Parsed from JSON text so that every value is backed by a JsonElement, as response values are.
    /// </summary>
    private static JsonNode? Convert(JsonElement schema, string text) => schema.Text("type") switch
    {
        "integer" when IntegerText().IsMatch(text) && long.TryParse(text, CultureInfo.InvariantCulture, out var l) => JsonNode.Parse(Format(l)),
        "number" when NumberText().IsMatch(text) && double.TryParse(text, CultureInfo.InvariantCulture, out var d) => JsonNode.Parse(Format(d)),
        "boolean" when TrueText().IsMatch(text) => JsonNode.Parse("true"),
        "boolean" when FalseText().IsMatch(text) => JsonNode.Parse("false"),
        "integer" or "number" or "boolean" => null,
        _ => JsonNode.Parse(JsonSerializer.Serialize(text)),
    };

    private static void CheckValue(JsonElement schema, JsonNode? value, string path, Dictionary<string, string> errors)
    {
        var type = schema.Text("type");
        if (!HasType(type, value))
        {
            errors[path] = $"type check ('{type}') failed - got {Describe(value)}";
            return;
        }
        switch (value)
        {
            case JsonObject obj:
                CheckObject(schema, obj, path, errors);
                return;
            case JsonArray array when schema.Child("items") is { } items:
                for (var i = 0; i < array.Count; i++)
                {
                    CheckValue(items, array[i], $"{path}[{i}]", errors);
                }
                return;
            case JsonValue scalar:
                if (CheckScalar(schema, scalar) is { } message)
                {
                    errors[path] = message;
                }
                return;
        }
    }

    private static void CheckObject(JsonElement schema, JsonObject obj, string path, Dictionary<string, string> errors)
    {
        var properties = schema.Child("properties");
        foreach (var (name, child) in obj)
        {
            if (PropertySchema(properties, name) is { } property)
            {
                if (child is not null || !property.Flag("optional"))
                {
                    CheckValue(property, child, $"{path}.{name}", errors);
                }
            }
            else if (!schema.FlagOrTrue("additionalProperties"))
            {
                errors[$"{path}.{name}"] = NotDefined;
            }
        }
        foreach (var property in properties?.EnumerateObject() ?? default)
        {
            if (!property.Value.Flag("optional") && !property.Name.EndsWith("[n]", StringComparison.Ordinal) && !obj.ContainsKey(property.Name))
            {
                errors[$"{path}.{property.Name}"] = Missing;
            }
        }
    }

    private static string? CheckScalar(JsonElement schema, JsonValue value)
    {
        if (value.GetValueKind() == JsonValueKind.Number)
        {
            var number = value.GetValue<double>();
            if (schema.Number("minimum") is { } min && number < min)
            {
                return $"value must have a minimum value of {Format(min)}";
            }
            if (schema.Number("maximum") is { } max && number > max)
            {
                return $"value must have a maximum value of {Format(max)}";
            }
            return null;
        }
        if (value.GetValueKind() != JsonValueKind.String)
        {
            return null;
        }
        var text = value.GetValue<string>();
        if (schema.Number("maxLength") is { } maxLength && text.Length > maxLength)
        {
            return $"value may only be {Format(maxLength)} characters long";
        }
        if (schema.Number("minLength") is { } minLength && text.Length < minLength)
        {
            return $"value must be at least {Format(minLength)} characters long";
        }
        if (schema.Text("pattern") is { } pattern && !Regex.IsMatch(text, $"^(?:{pattern})$"))
        {
            return "value does not match the regex pattern";
        }
        if (schema.Child("enum") is { ValueKind: JsonValueKind.Array } values
            && !values.EnumerateArray().Any(v => v.ToString() == text))
        {
            return $"value '{text}' does not have a value in the enumeration '{string.Join(", ", values.EnumerateArray())}'";
        }
        if (schema.Text("format") is { } format && SchemaFormats.Verify(format, text) is { } formatError)
        {
            return $"invalid format - {formatError}\n";
        }
        return null;
    }

    /// <summary>PVE's Perl types: booleans travel as 0/1 as often as true/false, integers are numbers without a fraction.</summary>
    private static bool HasType(string? type, JsonNode? value)
    {
        var kind = value?.GetValueKind() ?? JsonValueKind.Null;
        return type switch
        {
            null => true,
            "null" => kind == JsonValueKind.Null,
            "object" => kind == JsonValueKind.Object,
            "array" => kind == JsonValueKind.Array,
            "string" => kind == JsonValueKind.String,
            "number" => kind == JsonValueKind.Number,
            "integer" => kind == JsonValueKind.Number && double.IsInteger(value!.GetValue<double>()),
            "boolean" => kind is JsonValueKind.True or JsonValueKind.False
                || (kind == JsonValueKind.Number && value!.GetValue<double>() is 0 or 1),
            _ => true,
        };
    }

    private static string Describe(JsonNode? value) => value is null ? "undefined" : $"'{value.ToJsonString()}'";

    private static string Format(double number) => number.ToString(CultureInfo.InvariantCulture);

    [GeneratedRegex(@"^([a-z]+)(\d+)$")]
    private static partial Regex IndexedName();

    [GeneratedRegex(@"^[+-]?\d+$")]
    private static partial Regex IntegerText();

    [GeneratedRegex(@"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")]
    private static partial Regex NumberText();

    [GeneratedRegex(@"^(1|true|yes|on)$", RegexOptions.IgnoreCase)]
    private static partial Regex TrueText();

    [GeneratedRegex(@"^(0|false|no|off)$", RegexOptions.IgnoreCase)]
    private static partial Regex FalseText();
}
