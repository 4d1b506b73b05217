using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Cmux.Fakes.Cloudflare.Tests.Api;

/// <summary>
/// Checks JSON against the schemas of an OpenAPI 3.0 document, for the features Cloudflare's
/// subset uses: <c>$ref</c>, <c>type</c> with <c>nullable</c>, <c>properties</c>, <c>required</c>,
/// <c>items</c>, <c>enum</c>, <c>allOf</c>/<c>anyOf</c>/<c>oneOf</c>, <c>maxLength</c>,
/// <c>minimum</c>/<c>maximum</c>. In requests, required <c>readOnly</c> properties are not required
/// (OpenAPI 3.0's rule). Formats and other keywords are not checked.
/// </summary>
public sealed partial class OpenApiValidator(JsonObject document)
{
    public static OpenApiValidator Load(string path) => new((JsonObject)JsonNode.Parse(File.ReadAllText(path))!);

    /// <summary>The operation for a method and a concrete path (<c>/accounts/abc/cfd_tunnel</c>), matched against the path templates.</summary>
    public (string Template, JsonObject Operation)? Operation(string method, string path)
    {
        foreach (var (template, item) in (JsonObject)document["paths"]!)
        {
            var pattern = "^" + TemplateParameter().Replace(Regex.Escape(template), "[^/]+") + "$";
            if (Regex.IsMatch(path, pattern) && item?[method.ToLowerInvariant()] is JsonObject operation)
            {
                return (template, operation);
            }
        }
        return null;
    }

    public JsonNode Resolve(JsonNode schema)
    {
        while (schema["$ref"]?.GetValue<string>() is { } reference)
        {
            schema = reference.TrimStart('#').Split('/', StringSplitOptions.RemoveEmptyEntries)
                .Aggregate((JsonNode)document, (node, part) => node[part] ?? throw new InvalidOperationException($"unresolved $ref {reference}"));
        }
        return schema;
    }

    /// <summary>Every violation, as <c>$.path: message</c>; empty when the value conforms.</summary>
    public IReadOnlyList<string> Validate(JsonNode? value, JsonNode schema, bool request)
    {
        var errors = new List<string>();
        Check(value, schema, "$", request, errors);
        return errors;
    }

    private void Check(JsonNode? value, JsonNode schemaNode, string at, bool request, List<string> errors)
    {
        var schema = Resolve(schemaNode);
        if (value is null)
        {
            if (schema["nullable"]?.GetValue<bool>() != true && schema["type"] is not null)
            {
                errors.Add($"{at}: null where {schema["type"]} is expected (not nullable)");
            }
            return;
        }
        if (schema["type"]?.GetValue<string>() is { } type && !HasType(value, type))
        {
            errors.Add($"{at}: {Describe(value)} is not {type}");
            return;
        }
        if (schema["enum"] is JsonArray allowed && !allowed.Any(a => JsonNode.DeepEquals(a, value)))
        {
            errors.Add($"{at}: {value.ToJsonString()} is not one of {allowed.ToJsonString()}");
        }
        if (schema["maxLength"]?.GetValue<int>() is { } maxLength && value is JsonValue v && v.TryGetValue<string>(out var text) && text.Length > maxLength)
        {
            errors.Add($"{at}: longer than {maxLength}");
        }
        CheckRange(value, schema, at, errors);
        foreach (var part in schema["allOf"] as JsonArray ?? [])
        {
            Check(value, part!, at, request, errors);
        }
        CheckAlternatives(value, schema, "anyOf", at, request, errors, matches => matches >= 1);
        CheckAlternatives(value, schema, "oneOf", at, request, errors, matches => matches == 1);
        if (value is JsonObject obj)
        {
            CheckObject(obj, schema, at, request, errors);
        }
        if (value is JsonArray array && schema["items"] is JsonObject items)
        {
            for (var i = 0; i < array.Count; i++)
            {
                Check(array[i], items, $"{at}[{i}]", request, errors);
            }
        }
    }

    private void CheckObject(JsonObject obj, JsonNode schema, string at, bool request, List<string> errors)
    {
        var properties = schema["properties"] as JsonObject;
        foreach (var name in schema["required"] as JsonArray ?? [])
        {
            var key = name!.GetValue<string>();
            if (!obj.ContainsKey(key) && !(request && IsReadOnly(key, schema)))
            {
                errors.Add($"{at}: missing required {key}");
            }
        }
        foreach (var (key, child) in obj)
        {
            if (properties?[key] is JsonNode propertySchema)
            {
                Check(child, propertySchema, $"{at}.{key}", request, errors);
            }
        }
    }

    // A required property is read-only if any schema this one is made of declares it so.
    private bool IsReadOnly(string key, JsonNode schema)
    {
        var resolved = Resolve(schema);
        if (resolved["properties"]?[key] is JsonNode property && Resolve(property)["readOnly"]?.GetValue<bool>() == true)
        {
            return true;
        }
        return new[] { "allOf", "anyOf", "oneOf" }
            .SelectMany(k => resolved[k] as JsonArray ?? [])
            .Any(part => IsReadOnly(key, part!));
    }

    private void CheckAlternatives(JsonNode value, JsonNode schema, string keyword, string at, bool request, List<string> errors, Func<int, bool> accept)
    {
        if (schema[keyword] is not JsonArray alternatives)
        {
            return;
        }
        var results = alternatives.Select(a => Validate(value, a!, request)).ToList();
        var matches = results.Count(r => r.Count == 0);
        if (!accept(matches))
        {
            var closest = results.OrderBy(r => r.Count).First();
            errors.Add($"{at}: {matches} of {alternatives.Count} {keyword} alternatives match; closest: {string.Join("; ", closest)}");
        }
    }

    private static void CheckRange(JsonNode value, JsonNode schema, string at, List<string> errors)
    {
        if (value is not JsonValue number || !number.TryGetValue<double>(out var n))
        {
            return;
        }
        if (schema["minimum"]?.GetValue<double>() is { } min && n < min)
        {
            errors.Add($"{at}: {n} is below {min}");
        }
        if (schema["maximum"]?.GetValue<double>() is { } max && n > max)
        {
            errors.Add($"{at}: {n} is above {max}");
        }
    }

    private static bool HasType(JsonNode value, string type) => (type, value) switch
    {
        ("object", JsonObject) => true,
        ("array", JsonArray) => true,
        ("string", JsonValue v) => v.TryGetValue<string>(out _),
        ("boolean", JsonValue v) => v.TryGetValue<bool>(out _),
        ("integer", JsonValue v) => v.TryGetValue<long>(out _),
        ("number", JsonValue v) => v.TryGetValue<double>(out _),
        _ => false,
    };

    private static string Describe(JsonNode value) => value.GetValueKind().ToString().ToLowerInvariant();

    [GeneratedRegex(@"\\\{[^}]+}")]
    private static partial Regex TemplateParameter();
}
