using System.Text.Json;

namespace Cmux.Fakes.Pve.Schema;

/// <summary>One method of one API path as the schema describes it.</summary>
public sealed record ApiMethod(string Template, string Verb, JsonElement Info)
{
    public JsonElement Parameters => Info.Child("parameters") ?? default;
    public JsonElement Returns => Info.Child("returns") ?? default;
    public JsonElement? Permissions => Info.Child("permissions");
    public bool AllowToken => Info.Flag("allowtoken");
    public string Key => $"{Verb} {Template}";
}

/// <summary>A request path matched to a schema method, with the values of its <c>{placeholders}</c>.</summary>
public sealed record ApiMatch(ApiMethod Method, IReadOnlyDictionary<string, string> PathValues);

/// <summary>
/// The official PVE 8.4 API schema, reduced to the endpoints the fake serves (the embedded
/// <c>pve-api-subset.json</c>). It drives routing, parameter validation and permission checks,
/// so the fake accepts and rejects exactly what the schema says.
/// </summary>
public sealed class PveSchema
{
    private readonly List<(string[] Segments, Dictionary<string, ApiMethod> Methods)> _paths = [];

    private PveSchema(JsonDocument document)
    {
        foreach (var node in document.RootElement.EnumerateArray())
        {
            var template = node.GetProperty("path").GetString()!;
            var methods = node.GetProperty("info").EnumerateObject()
                .ToDictionary(m => m.Name, m => new ApiMethod(template, m.Name, m.Value), StringComparer.Ordinal);
            _paths.Add((template.Split('/', StringSplitOptions.RemoveEmptyEntries), methods));
        }
    }

    public static PveSchema Load()
    {
        using var stream = typeof(PveSchema).Assembly.GetManifestResourceStream("pve-api-subset.json")
            ?? throw new InvalidOperationException("the embedded PVE schema subset is missing");
        return new PveSchema(JsonDocument.Parse(stream));
    }

    public IEnumerable<ApiMethod> Methods => _paths.SelectMany(p => p.Methods.Values);

    /// <summary>A method by its key (<c>GET /nodes/{node}/lxc</c>).</summary>
    public ApiMethod Get(string key) => Methods.Single(m => m.Key == key);

    /// <summary>The method for <paramref name="verb"/> on <paramref name="path"/> (relative to /api2/json), or null.</summary>
    public ApiMatch? Match(string verb, string path)
    {
        var segments = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        foreach (var (template, methods) in _paths)
        {
            if (template.Length != segments.Length || !methods.TryGetValue(verb, out var method))
            {
                continue;
            }
            var values = new Dictionary<string, string>(StringComparer.Ordinal);
            var matched = true;
            for (var i = 0; i < segments.Length && matched; i++)
            {
                if (template[i].StartsWith('{'))
                {
                    values[template[i][1..^1]] = segments[i];
                }
                else
                {
                    matched = template[i] == segments[i];
                }
            }
            if (matched)
            {
                return new ApiMatch(method, values);
            }
        }
        return null;
    }
}
