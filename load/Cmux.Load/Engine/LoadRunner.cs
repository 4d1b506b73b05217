using Cmux.Load.Reporting;
using Cmux.Load.Simulations;

namespace Cmux.Load.Engine;

/// <summary>A second of a run in progress, as the console shows it.</summary>
public sealed record LiveStatus(TimeSpan Elapsed, string Phase, double Rps, long Ok, long Failed, long InFlight, double P99Ms);

/// <summary>
/// Runs a <see cref="LoadPlan"/>: checks it, applies its load model until the duration or the
/// request budget is spent, lets the iterations in flight finish (within the request timeout), and
/// returns the report with its verdict.
/// </summary>
public static class LoadRunner
{
    public static async Task<LoadReport> RunAsync(LoadPlan plan, IProgress<LiveStatus>? progress = null, CancellationToken ct = default)
    {
        plan.Validate();
        await plan.Scenario.Target.EnsureAllowedAsync(ct);

        var startedAt = DateTimeOffset.UtcNow;
        var drain = plan.RequestTimeout + TimeSpan.FromSeconds(1);
        var recorder = new RunRecorder(plan.Scenario.Steps, new RunClock(plan.Warmup, plan.Duration), drain);
        using var stopping = CancellationTokenSource.CreateLinkedTokenSource(ct);
        using var abort = new CancellationTokenSource();
        var budgetSpent = false;
        using var onStop = stopping.Token.Register(() =>
        {
            recorder.MarkStopped(RunClock.Now);
            abort.CancelAfter(drain);
        });
        stopping.CancelAfter(plan.Warmup + plan.Duration);

        var run = new RunContext(plan.Scenario, recorder, plan, stopping.Token, abort.Token, () =>
        {
            budgetSpent = true;
            stopping.Cancel();
        });
        ILoadDriver driver = plan.Model switch
        {
            ClosedModel closed => new ClosedLoadDriver(closed),
            OpenModel open => new OpenLoadDriver(open),
            _ => throw new ArgumentException($"unknown load model {plan.Model}"),
        };
        var driving = driver.RunAsync(run);
        if (progress is not null)
        {
            await ReportProgressAsync(recorder, driving, progress);
        }
        await driving;

        var stoppedBy = ct.IsCancellationRequested ? "cancelled" : budgetSpent ? "max-requests" : "duration";
        return ReportBuilder.Build(plan, recorder, startedAt, stoppedBy);
    }

    private static async Task ReportProgressAsync(RunRecorder recorder, Task driving, IProgress<LiveStatus> progress)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1));
        var lastCompleted = 0L;
        var lastTime = RunClock.Now;
        while (await Task.WhenAny(driving, timer.WaitForNextTickAsync().AsTask()) != driving)
        {
            var now = RunClock.Now;
            var completed = recorder.Completed;
            var seconds = RunClock.Microseconds(lastTime, now) / 1e6;
            var phase = recorder.StoppedAt != 0 ? "draining" : now >= recorder.Clock.MeasureStart ? "measuring" : "warm-up";
            var p99 = recorder.Iterations.LatencySnapshot() is { TotalCount: > 0 } h ? h.GetValueAtPercentile(99) / 1000.0 : 0;
            progress.Report(new LiveStatus(
                TimeSpan.FromMicroseconds(RunClock.Microseconds(recorder.Clock.Start, now)), phase,
                (completed - lastCompleted) / seconds, recorder.Iterations.Ok, recorder.Iterations.Failed, recorder.InFlight, p99));
            (lastCompleted, lastTime) = (completed, now);
        }
    }
}
