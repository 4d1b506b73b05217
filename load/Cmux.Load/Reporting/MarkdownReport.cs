using System.Text;

namespace Cmux.Load.Reporting;

/// <summary>The report as Markdown: run parameters, one row per step, thresholds, the time line.</summary>
public static class MarkdownReport
{
    public static string Render(LoadReport r)
    {
        var md = new StringBuilder();
        md.AppendLine($"# Load report: {r.Scenario} — {(r.Passed ? "PASSED" : "FAILED")}").AppendLine();
        md.AppendLine($"- target: `{r.Target}`");
        md.AppendLine($"- model: `{r.Model}`, warm-up {Format.Number(r.WarmupSeconds)} s, measured {Format.Number(r.DurationSeconds)} s (stopped by {r.StoppedBy})");
        md.AppendLine($"- started: {r.StartedAt:u}").AppendLine();
        md.AppendLine("| step | requests | req/s | fail rate | p50 ms | p90 ms | p99 ms | p99.9 ms | max ms | status | errors | bytes sent | bytes received |");
        md.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---|---:|---:|");
        foreach (var s in Format.Rows(r))
        {
            md.AppendLine($"| {s.Name} | {s.Requests} | {Format.Rate(s.Rps)} | {Format.Percent(s.FailRate)} | {Format.Ms(s.Latency.P50Ms)} | " +
                $"{Format.Ms(s.Latency.P90Ms)} | {Format.Ms(s.Latency.P99Ms)} | {Format.Ms(s.Latency.P999Ms)} | {Format.Ms(s.Latency.MaxMs)} | " +
                $"{Format.Counts(s.StatusCodes)} | {Format.Counts(s.Errors)} | {s.BytesSent} | {s.BytesReceived} |");
        }
        if (r.Thresholds.Count > 0)
        {
            md.AppendLine().AppendLine("## Thresholds").AppendLine();
            md.AppendLine("| threshold | scope | measured | verdict |").AppendLine("|---|---|---:|---|");
            foreach (var t in r.Thresholds)
            {
                md.AppendLine($"| `{t.Expression}` | {t.Scope} | {Format.Actual(t)} | {(t.Passed ? "pass" : "**FAIL**")} |");
            }
        }
        if (r.Timeline.Count > 0)
        {
            md.AppendLine().AppendLine("## Iterations per second").AppendLine();
            md.AppendLine("| second | ok | failed |").AppendLine("|---:|---:|---:|");
            foreach (var point in r.Timeline)
            {
                md.AppendLine($"| {point.Second} | {point.Ok} | {point.Failed} |");
            }
        }
        return md.ToString();
    }
}
