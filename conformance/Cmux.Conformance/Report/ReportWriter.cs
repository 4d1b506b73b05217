using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Cmux.Conformance.Report;

/// <summary>Writes a report as <c>conformance-report.json</c> (see docs/conformance-report.schema.json) and <c>conformance-report.md</c>.</summary>
public static class ReportWriter
{
    public const string JsonFile = "conformance-report.json";
    public const string MarkdownFile = "conformance-report.md";

    public static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.KebabCaseLower) },
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

    public static string Name(Outcome outcome) => JsonNamingPolicy.KebabCaseLower.ConvertName(outcome.ToString());

    public static string ToMarkdown(ConformanceReport report)
    {
        var md = new StringBuilder();
        var inv = CultureInfo.InvariantCulture;
        var run = report.Run;
        md.AppendLine("# Cmux conformance report").AppendLine();
        md.AppendLine(inv, $"- Implementation: {run.Implementation}");
        md.AppendLine(inv, $"- Commit: {run.Commit}");
        md.AppendLine(inv, $"- Run: {run.RunId} (every sandbox it made carries this id)");
        md.AppendLine(inv, $"- Mode: {run.Mode}, profile: {run.Profile}");
        if (run.Composition is { Count: > 0 } composition)
        {
            md.AppendLine(inv, $"- Composition: {string.Join("; ", composition.Select(c => $"{c.Key} = {c.Value}"))}");
        }
        md.AppendLine(inv, $"- From {run.StartedAt:u} to {run.EndedAt:u} ({(run.EndedAt - run.StartedAt).TotalSeconds:F1} s)");
        md.AppendLine(inv, $"- Report schema {report.SchemaVersion}").AppendLine();

        md.AppendLine("## Summary").AppendLine();
        md.AppendLine("| provider | passed | failed | skipped | not-supported | not-run |").AppendLine("|---|---|---|---|---|---|");
        foreach (var s in report.Summary)
        {
            md.AppendLine(inv, $"| {s.Provider} | {s.Passed} | {s.Failed} | {s.Skipped} | {s.NotSupported} | {s.NotRun} |");
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
            md.AppendLine(inv, $"| {r.Provider} | {r.Feature} | {r.Check} | {Name(r.Outcome)} | {r.Duration.TotalMilliseconds:F0} ms | {Cell(r.Reason)} |");
        }

        md.AppendLine().AppendLine("## Sandboxes").AppendLine();
        md.AppendLine("| provider | created | deleted | swept (earlier runs' leftovers) | left behind |").AppendLine("|---|---|---|---|---|");
        foreach (var (provider, touched) in report.Sandboxes)
        {
            md.AppendLine(inv, $"| {provider} | {List(touched.Created)} | {List(touched.Deleted)} | {List(touched.Swept)} | {Cell(string.Join("; ", touched.Leftovers))} |");
        }

        md.AppendLine().AppendLine("## Known differences, as measured").AppendLine();
        var providers = report.Providers.Keys.ToList();
        md.AppendLine(inv, $"| difference | {string.Join(" | ", providers)} | what it is |");
        md.AppendLine(inv, $"|---|{string.Concat(providers.Select(_ => "---|"))}---|");
        foreach (var d in report.Differences)
        {
            var cells = providers.Select(p => Cell(d.ByProvider.GetValueOrDefault(p, KnownDifferences.NotMeasured)));
            md.AppendLine(inv, $"| {d.Name} | {string.Join(" | ", cells)} | {d.Description} |");
        }
        return md.ToString();
    }

    private static string List(IReadOnlyList<string> ids) => ids.Count == 0 ? "none" : string.Join(", ", ids);

    private static string Cell(string? text) =>
        string.IsNullOrEmpty(text) ? "" : text.ReplaceLineEndings(" ").Replace("|", "\\|", StringComparison.Ordinal);
}
