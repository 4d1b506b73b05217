using Cmux.Load.Engine;
using Cmux.Load.Reporting;

namespace Cmux.Load.Cli;

/// <summary>One line a second while a run goes.</summary>
internal sealed class ConsoleProgress : IProgress<LiveStatus>
{
    public void Report(LiveStatus s) =>
        Console.WriteLine($"[{s.Elapsed.TotalSeconds,5:0}s] {s.Phase,-9} {Format.Rate(s.Rps),10} it/s  ok {s.Ok,10}  failed {s.Failed,8}  in flight {s.InFlight,6}  p99 {Format.Ms(s.P99Ms)} ms");
}
