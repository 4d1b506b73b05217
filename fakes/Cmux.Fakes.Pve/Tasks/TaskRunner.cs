using System.Collections.Concurrent;
using Cmux.Fakes.Pve.Faults;
using Cmux.Fakes.Pve.Telemetry;
using Microsoft.Extensions.Options;

namespace Cmux.Fakes.Pve.Tasks;

/// <summary>
/// Runs PVE worker tasks in the background: each takes its configured duration, then does its
/// work, then ends; the cleanup (releasing locks) runs whatever happened, unless the
/// <c>LocksNeverClear</c> fault keeps the lock, as a crashed task does.
/// </summary>
public sealed class TaskRunner(
    IOptions<PveFakeOptions> options, FaultInjector faults, PveMetrics metrics, ILogger<TaskRunner> logger, TimeProvider time)
{
    private readonly ConcurrentDictionary<string, PveTask> _tasks = new(StringComparer.Ordinal);
    private readonly long _bootTicks = time.GetTimestamp();
    private int _lastPid = 4000 + Random.Shared.Next(1000);

    public int RunningCount => _tasks.Values.Count(t => t.Running);

    public PveTask? Find(Upid upid) => _tasks.GetValueOrDefault(upid.ToString());

    /// <summary>Starts a task and returns its UPID at once, as PVE's API does.</summary>
    public string Start(string type, string id, string user, Func<PveTask, Task> work, Action<bool> cleanup)
    {
        var upid = new Upid(
            options.Value.Node,
            Interlocked.Increment(ref _lastPid),
            // pstart is the process start in clock ticks since boot; ours counts from the fake's start.
            (long)(time.GetElapsedTime(_bootTicks).TotalSeconds * 100) + 1000,
            time.GetUtcNow().ToUnixTimeSeconds(),
            type,
            id,
            user);
        var task = new PveTask(upid);
        _tasks[upid.ToString()] = task;
        metrics.TaskStarted(type);
        logger.LogInformation("Task {Upid} {TaskType} on {TaskId} started by {User}", upid, type, id, user);
        _ = Task.Run(() => RunAsync(task, work, cleanup));
        return upid.ToString();
    }

    private async Task RunAsync(PveTask task, Func<PveTask, Task> work, Action<bool> cleanup)
    {
        string? error = null;
        try
        {
            await Task.Delay(options.Value.Tasks.DurationOf(task.Upid.Type), time);
            faults.ThrowIfTaskFails(task.Upid.Type);
            await work(task);
        }
        catch (Exception e)
        {
            error = e.Message;
            if (e is not TaskFailedException)
            {
                logger.LogWarning(e, "Task {Upid} failed unexpectedly", task.Upid);
            }
        }
        if (!faults.Current.LocksNeverClear)
        {
            cleanup(error is null);
        }
        task.Finish(error);
        metrics.TaskFinished(task.Upid.Type, error is null);
        logger.LogInformation("Task {Upid} {TaskType} on {TaskId} ended: {ExitStatus}", task.Upid, task.Upid.Type, task.Upid.Id, task.ExitStatus);
    }
}
