using System.Text.Json;
using System.Text.Json.Serialization;

namespace Cmux.Load.Reporting;

/// <summary>Writes a report in every format into one folder: report.json, report.md, report.html, steps.csv, timeline.csv.</summary>
public static class ReportWriter
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    public static async Task<IReadOnlyList<string>> WriteAllAsync(LoadReport report, string directory, CancellationToken ct = default)
    {
        Directory.CreateDirectory(directory);
        var files = new (string Name, string Content)[]
        {
            ("report.json", JsonSerializer.Serialize(report, Json)),
            ("report.md", MarkdownReport.Render(report)),
            ("report.html", HtmlReport.Render(report)),
            ("steps.csv", CsvReport.Steps(report)),
            ("timeline.csv", CsvReport.Timeline(report)),
        };
        var paths = new List<string>();
        foreach (var (name, content) in files)
        {
            var path = Path.Combine(directory, name);
            await File.WriteAllTextAsync(path, content, ct);
            paths.Add(path);
        }
        return paths;
    }
}
