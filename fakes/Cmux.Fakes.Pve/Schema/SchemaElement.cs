using System.Globalization;
using System.Text.Json;

namespace Cmux.Fakes.Pve.Schema;

/// <summary>
/// Reading PVE schema nodes. The schema is Perl data serialised to JSON, so flags are <c>1</c>/<c>0</c>
/// and some numbers are strings (<c>"minimum": "0"</c>); these helpers accept every spelling.
/// </summary>
internal static class SchemaElement
{
    public static JsonElement? Child(this JsonElement node, string name) =>
        node.ValueKind == JsonValueKind.Object && node.TryGetProperty(name, out var value) ? value : null;

    public static string? Text(this JsonElement node, string name) =>
        node.Child(name) is { ValueKind: JsonValueKind.String } value ? value.GetString() : null;

    public static bool Flag(this JsonElement node, string name) => node.Child(name) switch
    {
        { ValueKind: JsonValueKind.True } => true,
        { ValueKind: JsonValueKind.Number } n => n.GetDouble() != 0,
        { ValueKind: JsonValueKind.String } s => s.GetString() is not ("" or "0"),
        _ => false,
    };

    /// <summary>False only when the flag is present and off: PVE's default for absent flags such as additionalProperties is on.</summary>
    public static bool FlagOrTrue(this JsonElement node, string name) => node.Child(name) is null || node.Flag(name);

    public static double? Number(this JsonElement node, string name) => node.Child(name) switch
    {
        { ValueKind: JsonValueKind.Number } n => n.GetDouble(),
        { ValueKind: JsonValueKind.String } s when double.TryParse(s.GetString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var d) => d,
        _ => null,
    };
}
