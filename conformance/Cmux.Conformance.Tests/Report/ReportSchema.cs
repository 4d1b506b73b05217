using System.Text.Json.Nodes;
using Cmux.Conformance.Runtime;
using Json.Schema;

namespace Cmux.Conformance.Tests.Report;

/// <summary>The report's JSON schema as shipped in docs/, and a validator that lists every error it finds.</summary>
public static class ReportSchema
{
    public static readonly string File = Path.Combine(SuiteSettings.RepositoryRoot(), "docs", "conformance-report.schema.json");

    private static readonly Lazy<JsonSchema> Schema = new(() => JsonSchema.FromFile(File));

    /// <summary>The schema's complaints about <paramref name="json"/>; empty when it validates.</summary>
    public static IReadOnlyList<string> Errors(string json)
    {
        var result = Schema.Value.Evaluate(JsonNode.Parse(json), new EvaluationOptions
        {
            OutputFormat = OutputFormat.List,
            RequireFormatValidation = true,
        });
        return result.IsValid
            ? []
            : [.. (result.Details ?? []).Where(d => d.HasErrors)
                .SelectMany(d => d.Errors!.Select(e => $"{d.InstanceLocation}: {e.Value}"))];
    }
}
