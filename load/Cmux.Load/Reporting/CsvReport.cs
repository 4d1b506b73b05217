using System.Text;

namespace Cmux.Load.Reporting;

/// <summary>The report as CSV: one row per step (and the whole iteration), and one row per second.</summary>
public static class CsvReport
{
    public static string Steps(LoadReport r)
    {
        var csv = new StringBuilder("scenario,step,requests,ok,failed,fail_rate,rps,min_ms,mean_ms,p50_ms,p75_ms,p90_ms,p95_ms,p99_ms,p999_ms,max_ms,bytes_sent,bytes_received,status_codes,errors\n");
        foreach (var s in r.Steps.Prepend(r.Iterations))
        {
            var l = s.Latency;
            csv.AppendLine(string.Join(',',
                r.Scenario, s.Name, s.Requests, s.Ok, s.Failed, Format.Number(s.FailRate), Format.Rate(s.Rps),
                Format.Ms(l.MinMs), Format.Ms(l.MeanMs), Format.Ms(l.P50Ms), Format.Ms(l.P75Ms), Format.Ms(l.P90Ms),
                Format.Ms(l.P95Ms), Format.Ms(l.P99Ms), Format.Ms(l.P999Ms), Format.Ms(l.MaxMs),
                s.BytesSent, s.BytesReceived, Format.Counts(s.StatusCodes), Format.Counts(s.Errors)));
        }
        return csv.ToString();
    }

    public static string Timeline(LoadReport r)
    {
        var csv = new StringBuilder("second,ok,failed\n");
        foreach (var point in r.Timeline)
        {
            csv.AppendLine($"{point.Second},{point.Ok},{point.Failed}");
        }
        return csv.ToString();
    }
}
