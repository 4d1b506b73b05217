namespace Cmux.Fakes.Pve.Tasks;

/// <summary>A worker task: <c>running</c> until it ends, then <c>stopped</c> with <c>OK</c> or its error.</summary>
public sealed class PveTask(Upid upid)
{
    private readonly List<string> _log = [];
    private readonly TaskCompletionSource _ended = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Upid Upid { get; } = upid;

    public string? ExitStatus { get; private set; }

    public bool Running => ExitStatus is null;

    /// <summary>Completes when the task has ended, whatever its result.</summary>
    public Task Ended => _ended.Task;

    public void Log(string line)
    {
        lock (_log)
        {
            _log.Add(line);
        }
    }

    public IReadOnlyList<string> Lines()
    {
        lock (_log)
        {
            return [.. _log];
        }
    }

    public void Finish(string? error)
    {
        Log(error is null ? "TASK OK" : $"TASK ERROR: {error}");
        ExitStatus = error ?? "OK";
        _ended.TrySetResult();
    }
}

/// <summary>A task's work failed; the message becomes the task's <c>exitstatus</c>.</summary>
public sealed class TaskFailedException(string message) : Exception(message);
