using System.Diagnostics;
using Cmux.Conformance.Checks;
using Cmux.Conformance.Report;
using Cmux.Conformance.Tests.Infrastructure;

namespace Cmux.Conformance.Tests.Suite;

/// <summary>
/// The base of every feature's abstract test class: one sealed subclass per provider names the
/// provider, and every check runs through <see cref="CheckAsync"/>, which records it in the run's
/// report as passed, failed, or skipped with its reason (never skipped as passed).
/// </summary>
[Collection(StackCollection.Name)]
public abstract class ConformanceTests(StackFixture stack)
{
    /// <summary><c>pve</c> or <c>morph</c>.</summary>
    protected abstract string ProviderName { get; }

    protected static CancellationToken Timeout(int seconds = 120) => new CancellationTokenSource(TimeSpan.FromSeconds(seconds)).Token;

    protected ReportRecorder Recorder => stack.Conformance.Recorder;

    protected StackFixture Stack => stack;

    protected async Task CheckAsync(ConformanceCheck check, Func<ProviderSession, Task> body)
    {
        var session = stack.Conformance.Session(ProviderName);
        var skip = session.UnavailableReason
            ?? check.Needs.Where(n => !session.Capabilities.Contains(n))
                .Select(n => $"{session.Name} lacks capability '{n}'").FirstOrDefault();
        if (skip is not null)
        {
            Record(check, Outcome.Skipped, skip, TimeSpan.Zero);
            Skip.If(true, skip);
        }

        var clock = Stopwatch.StartNew();
        try
        {
            await body(session);
            Record(check, Outcome.Passed, null, clock.Elapsed);
        }
        catch (SkipException e)
        {
            Record(check, Outcome.Skipped, e.Message, clock.Elapsed);
            throw;
        }
        catch (Exception e)
        {
            Record(check, Outcome.Failed, e.Message, clock.Elapsed);
            throw;
        }
    }

    private void Record(ConformanceCheck check, Outcome outcome, string? reason, TimeSpan duration) =>
        Recorder.Record(new CheckResult(ProviderName, check.Feature, check.Name, check.Description, outcome, reason, duration));
}
