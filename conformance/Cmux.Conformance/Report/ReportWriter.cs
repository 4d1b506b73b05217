using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Cmux.Conformance.Report;

/// <summary>Writes a report as <c>conformance-report.json</c> and <c>conformance-report.md</c>.</summary>
public static class ReportWriter
{
    public const string JsonFile = "conformance-report.json";
    public const string MarkdownFile = "conformance-report.md";

    private static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    public static async Task<(string Json, string Markdown)> WriteAsync(ConformanceReport report, string folder)
    {
        Directory.CreateDirectory(folder);
        var json = Path.Combine(folder, JsonFile);
        var markdown = Path.Combine(folder, MarkdownFile);
        await File.WriteAllTextAsync(json, ToJson(report));
        await File.WriteAllTextAsync(markdown, ToMarkdown(report));
        return (json, markdown);
    }

    public static string ToJson(ConformanceReport report) => JsonSerializer.Serialize(report, JsonOptions);

    public static string ToMarkdown(ConformanceReport report)
    {
        var md = new StringBuilder();
        var inv = CultureInfo.InvariantCulture;
        md.AppendLine("# Cmux conformance report").AppendLine();
        md.AppendLine(inv, $"- Implementation: {report.Implementation}");
        md.AppendLine(inv, $"- Profile: {report.Profile}");
        md.AppendLine(inv, $"- Mode: {report.Mode}");
        md.AppendLine(inv, $"- Started: {report.StartedAt:u}, took {report.Duration.TotalSeconds:F1} s").AppendLine();

        md.AppendLine("## Summary").AppendLine();
        md.AppendLine("| provider | passed | failed | skipped | features |").AppendLine("|---|---|---|---|---|");
        foreach (var s in report.Summaries)
        {
            md.AppendLine(inv, $"| {s.Provider} | {s.Passed} | {s.Failed} | {s.Skipped} | {string.Join(", ", s.Features)} |");
        }

        md.AppendLine().AppendLine("## Providers").AppendLine();
        foreach (var (provider, endpoints) in report.Providers)
        {
            md.AppendLine(inv, $"- **{provider}**: {string.Join("; ", endpoints.Select(e => $"{e.Key} = {e.Value}"))}");
        }

        md.AppendLine().AppendLine("## Checks").AppendLine();
        md.AppendLine("| provider | feature | check | outcome | time | reason |").AppendLine("|---|---|---|---|---|---|");
        foreach (var r in report.Results)
        {
            md.AppendLine(inv, $"| {r.Provider} | {r.Feature} | {r.Check} | {r.Outcome.ToString().ToLowerInvariant()} | {r.Duration.TotalMilliseconds:F0} ms | {Cell(r.Reason)} |");
        }

        md.AppendLine().AppendLine("## Known differences").AppendLine();
        var providers = report.Providers.Keys.ToList();
        md.AppendLine(inv, $"| difference | {string.Join(" | ", providers)} | what it is |");
        md.AppendLine(inv, $"|---|{string.Concat(providers.Select(_ => "---|"))}---|");
        foreach (var d in report.Differences)
        {
            var cells = providers.Select(p => Cell(d.ByProvider.GetValueOrDefault(p, "not observed")));
            md.AppendLine(inv, $"| {d.Name} | {string.Join(" | ", cells)} | {d.Description} |");
        }
        return md.ToString();
    }

    private static string Cell(string? text) =>
        string.IsNullOrEmpty(text) ? "" : text.ReplaceLineEndings(" ").Replace("|", "\\|", StringComparison.Ordinal);
}
