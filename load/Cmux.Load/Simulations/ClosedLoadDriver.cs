using Cmux.Load.Engine;

namespace Cmux.Load.Simulations;

/// <summary>
/// The closed model: N virtual users, each starting its next iteration when the previous one
/// ends. N follows the ramp; a controller adds users or lets the highest-numbered ones finish.
/// </summary>
public sealed class ClosedLoadDriver(ClosedModel model) : ILoadDriver
{
    private static readonly TimeSpan ControlInterval = TimeSpan.FromMilliseconds(100);

    private int _users;

    public async Task RunAsync(RunContext run)
    {
        var workers = new List<Task>();
        while (!run.Stopping.IsCancellationRequested)
        {
            var users = Math.Max(1, model.UsersAt(run.Clock.Progress(RunClock.Now)));
            Volatile.Write(ref _users, users);
            for (var index = 0; index < users; index++)
            {
                if (index == workers.Count)
                {
                    workers.Add(Task.CompletedTask);
                }
                if (workers[index].IsCompleted)
                {
                    var worker = index;
                    workers[index] = Task.Run(() => UserLoopAsync(worker, run));
                }
            }
            await Task.Delay(ControlInterval, run.Stopping).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
        await Task.WhenAll(workers);
    }

    private async Task UserLoopAsync(int index, RunContext run)
    {
        await using var user = run.CreateUser();
        try
        {
            while (!run.Stopping.IsCancellationRequested && index < Volatile.Read(ref _users) && run.TryStartIteration())
            {
                var start = run.Pacer is null ? RunClock.Now : await run.Pacer.WaitTurnAsync(run.Stopping);
                if (run.Stopping.IsCancellationRequested)
                {
                    break;
                }
                await user.RunIterationAsync(start);
            }
        }
        catch (OperationCanceledException) when (run.Abort.IsCancellationRequested)
        {
            // The run ended with this iteration in flight; it is not recorded.
        }
    }
}
