namespace Cmux.Load.Engine;

/// <summary>
/// Runs iterations of a scenario session one after the other and measures their steps. In the open
/// model an iteration has an intended start (its slot in the schedule); its first step is measured
/// from there, not from when it actually got going, so a slow target cannot hide the requests it
/// delayed (coordinated omission).
/// </summary>
public sealed class VirtualUser : IAsyncDisposable
{
    private readonly RunRecorder _recorder;
    private readonly IScenarioSession _session;
    private readonly TimeSpan _requestTimeout;
    private readonly CancellationToken _abort;
    private CancellationTokenSource _timeout;
    private long _intendedStart;
    private bool _firstStep;
    private bool _failed;
    private bool _measured;

    internal VirtualUser(RunRecorder recorder, IScenario scenario, TimeSpan requestTimeout, CancellationToken abort)
    {
        _recorder = recorder;
        _session = scenario.CreateSession();
        _requestTimeout = requestTimeout;
        _abort = abort;
        _timeout = CancellationTokenSource.CreateLinkedTokenSource(abort);
    }

    internal async ValueTask RunIterationAsync(long intendedStart)
    {
        _intendedStart = intendedStart;
        _firstStep = true;
        _failed = false;
        _measured = _recorder.Clock.IsMeasuring(intendedStart);
        _recorder.IterationStarted();
        try
        {
            await _session.RunIterationAsync(this);
        }
        finally
        {
            _recorder.IterationEnded(intendedStart, RunClock.Now, _failed, _measured && !_abort.IsCancellationRequested);
        }
    }

    /// <summary>
    /// Runs one step with the request timeout and records its latency and outcome. Exceptions become
    /// error kinds; only the end of the run (abort) propagates, and is not recorded.
    /// </summary>
    public async ValueTask<StepOutcome> MeasureAsync<TState>(
        int step, TState state, Func<TState, CancellationToken, ValueTask<StepOutcome>> body)
    {
        var start = _firstStep ? _intendedStart : RunClock.Now;
        _firstStep = false;
        _timeout.CancelAfter(_requestTimeout);
        StepOutcome outcome;
        try
        {
            outcome = await body(state, _timeout.Token);
        }
        catch (OperationCanceledException) when (_abort.IsCancellationRequested)
        {
            throw;
        }
        catch (OperationCanceledException)
        {
            outcome = StepOutcome.Of(ErrorKind.Timeout);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            outcome = StepOutcome.Of(ErrorClassifier.Classify(e));
        }
        finally
        {
            ResetTimeout();
        }
        if (_measured)
        {
            _recorder.RecordStep(step, start, RunClock.Now, outcome);
        }
        _failed |= outcome.Failed;
        return outcome;
    }

    public async ValueTask DisposeAsync()
    {
        await _session.DisposeAsync();
        _timeout.Dispose();
    }

    private void ResetTimeout()
    {
        if (!_timeout.TryReset())
        {
            _timeout.Dispose();
            _timeout = CancellationTokenSource.CreateLinkedTokenSource(_abort);
        }
    }
}
