using Cmux.Load.Simulations;
using Cmux.Load.Thresholds;

namespace Cmux.Load.Engine;

/// <summary>
/// A run: a scenario under a load model for a warm-up and a measured duration, bounded in time
/// and in requests, judged by thresholds.
/// </summary>
public sealed record LoadPlan(IScenario Scenario, LoadModel Model)
{
    /// <summary>No run lasts longer than this, warm-up included.</summary>
    public static readonly TimeSpan MaxRunTime = TimeSpan.FromHours(1);

    /// <summary>No run starts more iterations than this.</summary>
    public const long MaxRequestsCap = 100_000_000;

    public TimeSpan Warmup { get; init; } = TimeSpan.Zero;

    public TimeSpan Duration { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Iterations the run may start, warm-up included; the run ends early when they are spent.</summary>
    public long MaxRequests { get; init; } = 10_000_000;

    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Iterations per second the run never exceeds; required when the target may be remote.</summary>
    public double? RateCap { get; init; }

    /// <summary>The open model's limit on iterations in flight; beyond it, scheduled iterations fail as overload.</summary>
    public int MaxInFlight { get; init; } = 10_000;

    public IReadOnlyList<Threshold> Thresholds { get; init; } = [];

    /// <summary>Throws <see cref="ArgumentException"/> with what is wrong and how to fix it.</summary>
    public void Validate()
    {
        Require(Duration > TimeSpan.Zero, $"the duration must be positive (got {Duration})");
        Require(Warmup >= TimeSpan.Zero, $"the warm-up cannot be negative (got {Warmup})");
        Require(Warmup + Duration <= MaxRunTime, $"warm-up plus duration is {Warmup + Duration}, over the {MaxRunTime} a run may last");
        Require(MaxRequests is > 0 and <= MaxRequestsCap, $"the request budget must be 1..{MaxRequestsCap} (got {MaxRequests})");
        Require(RequestTimeout > TimeSpan.Zero, $"the request timeout must be positive (got {RequestTimeout})");
        Require(MaxInFlight > 0, $"the in-flight limit must be positive (got {MaxInFlight})");
        Require(Model.Start > 0 && Model.End > 0, $"load model {Model}: values must be positive");
        Require(RateCap is null or > 0, $"the rate cap must be positive (got {RateCap})");
        Require(!Scenario.Target.Options.AllowRemote || RateCap is not null,
            $"target {Scenario.Target} may be remote: real mode needs an explicit rate cap (--rate-cap R)");
        if (Model is OpenModel && RateCap is { } cap)
        {
            Require(Math.Max(Model.Start, Model.End) <= cap, $"load model {Model} injects more than the rate cap of {cap}/s");
        }
        foreach (var threshold in Thresholds)
        {
            Require(threshold.Step is null || Scenario.Steps.Contains(threshold.Step),
                $"threshold '{threshold.Expression}': scenario {Scenario.Name} has no step '{threshold.Step}' (steps: {string.Join(", ", Scenario.Steps)})");
        }
    }

    private static void Require(bool condition, string message)
    {
        if (!condition)
        {
            throw new ArgumentException(message);
        }
    }
}
