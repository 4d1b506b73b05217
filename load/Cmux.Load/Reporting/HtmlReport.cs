using System.Net;
using System.Text;

namespace Cmux.Load.Reporting;

/// <summary>
/// The report as one self-contained HTML page (inline CSS and SVG, no script, nothing fetched):
/// the summary, thresholds, latency by percentile and iterations per second over time.
/// </summary>
public static class HtmlReport
{
    // Percentiles plotted on HdrHistogram's scale: x = log10(1 / (1 - p)), so 90%, 99%, 99.9% are evenly spaced.
    private static readonly (double X, string Label)[] PercentileTicks =
        [(0, "0%"), (1, "90%"), (2, "99%"), (3, "99.9%"), (4, "99.99%"), (5, "99.999%")];

    private const string Style = """
        body{font-family:system-ui,sans-serif;margin:24px;color:#222}
        table{border-collapse:collapse;margin:12px 0}
        th,td{border:1px solid #ccc;padding:4px 8px;text-align:right}
        th:first-child,td:first-child{text-align:left}
        .pass{color:#2a7d2a;font-weight:bold}.fail{color:#c62828;font-weight:bold}
        .chart{display:block;margin:16px 0;font-size:12px}
        .chart .title{font-size:14px;font-weight:bold}
        .chart .grid{stroke:#e4e4e4}.chart .axis{stroke:#444}
        """;

    public static string Render(LoadReport r)
    {
        var html = new StringBuilder();
        html.Append("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">");
        html.Append($"<title>Load report: {E(r.Scenario)}</title><style>{Style}</style></head><body>");
        html.Append($"<h1>Load report: {E(r.Scenario)} <span class=\"{(r.Passed ? "pass" : "fail")}\">{(r.Passed ? "PASSED" : "FAILED")}</span></h1>");
        html.Append($"<p>Target <code>{E(r.Target)}</code>, model <code>{E(r.Model)}</code>, warm-up {Format.Number(r.WarmupSeconds)} s, ");
        html.Append($"measured {Format.Number(r.DurationSeconds)} s (stopped by {E(r.StoppedBy)}), started {r.StartedAt:u}.</p>");

        html.Append("<table id=\"steps\"><tr><th>step</th><th>requests</th><th>req/s</th><th>fail rate</th><th>p50 ms</th><th>p90 ms</th><th>p99 ms</th><th>p99.9 ms</th><th>max ms</th><th>status</th><th>errors</th></tr>");
        foreach (var s in Format.Rows(r))
        {
            html.Append($"<tr><td>{E(s.Name)}</td><td>{s.Requests}</td><td>{Format.Rate(s.Rps)}</td><td>{Format.Percent(s.FailRate)}</td>");
            html.Append($"<td>{Format.Ms(s.Latency.P50Ms)}</td><td>{Format.Ms(s.Latency.P90Ms)}</td><td>{Format.Ms(s.Latency.P99Ms)}</td>");
            html.Append($"<td>{Format.Ms(s.Latency.P999Ms)}</td><td>{Format.Ms(s.Latency.MaxMs)}</td><td>{E(Format.Counts(s.StatusCodes))}</td><td>{E(Format.Counts(s.Errors))}</td></tr>");
        }
        html.Append("</table>");

        if (r.Thresholds.Count > 0)
        {
            html.Append("<table id=\"thresholds\"><tr><th>threshold</th><th>scope</th><th>measured</th><th>verdict</th></tr>");
            foreach (var t in r.Thresholds)
            {
                html.Append($"<tr><td><code>{E(t.Expression)}</code></td><td>{E(t.Scope)}</td><td>{E(Format.Actual(t))}</td>");
                html.Append($"<td class=\"{(t.Passed ? "pass" : "fail")}\">{(t.Passed ? "pass" : "FAIL")}</td></tr>");
            }
            html.Append("</table>");
        }

        var latency = new SvgLineChart("latency-percentiles", "Latency by percentile", "percentile", "latency (ms)") { XTicks = PercentileTicks };
        foreach (var s in Format.Rows(r))
        {
            latency.Add(s.Name, s.Percentiles
                .Select(p => (X: p.Percentile >= 100 ? PercentileTicks[^1].X : -Math.Log10(1 - (p.Percentile / 100)), Y: p.LatencyMs))
                .ToList());
        }
        html.Append(latency.Render());

        var last = Math.Max(1, r.Timeline.Count);
        var step = (int)Math.Ceiling(last / 10.0);
        var throughput = new SvgLineChart("throughput", "Iterations per second", "second of the measured window", "per second")
        {
            XTicks = Enumerable.Range(0, ((last + step - 1) / step) + 1).Select(i => (X: (double)(i * step), Label: Format.Number(i * step))).ToList(),
        };
        throughput.Add("ok", r.Timeline.Select(p => (X: p.Second + 0.5, Y: (double)p.Ok)).ToList());
        throughput.Add("failed", r.Timeline.Select(p => (X: p.Second + 0.5, Y: (double)p.Failed)).ToList());
        html.Append(throughput.Render());

        return html.Append("</body></html>").ToString();
    }

    private static string E(string text) => WebUtility.HtmlEncode(text);
}
