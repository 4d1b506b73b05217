using Cmux.Contract;
using Cmux.Fakes.Sandbox.Client;
using Microsoft.Extensions.Options;

namespace Cmux.Fakes.Morph.Instances;

/// <summary>
/// Drives each instance's sandbox on the sandbox host: boot (create + start, then ready after
/// <see cref="MorphOptions.ReadyDelay"/>), pause, resume and delete.
/// </summary>
public sealed class InstanceLifecycle(
    InstanceStore store,
    SandboxHostClient sandboxes,
    IOptions<MorphOptions> options,
    ILogger<InstanceLifecycle> logger)
{
    /// <summary>Starts booting in the background; the instance is <c>pending</c> until it is ready.</summary>
    public void Boot(Instance instance) => _ = BootAsync(instance);

    private async Task BootAsync(Instance instance)
    {
        var deleted = instance.Deleted.Token;
        try
        {
            await OnSandboxAsync(instance, async ct =>
            {
                await sandboxes.CreateAsync(instance.SandboxId, new CreateSandboxRequest(Hostname(instance), ExecdProfile: Profiles.Seed), ct);
                var started = await sandboxes.StartAsync(instance.SandboxId, ct: ct);
                if (System.Net.IPAddress.TryParse(started.Address, out var address))
                {
                    instance.Address = address;
                }
            }, deleted);
            var remaining = options.Value.ReadyDelay - (DateTimeOffset.UtcNow - instance.Created);
            if (remaining > TimeSpan.Zero)
            {
                await Task.Delay(remaining, deleted);
            }
            instance.TryMove(InstanceStatus.Pending, InstanceStatus.Ready);
        }
        catch (OperationCanceledException) when (deleted.IsCancellationRequested)
        {
            // Deleted while booting: the delete removes the sandbox.
        }
        catch (Exception e) when (e is SandboxHostException or HttpRequestException or OperationCanceledException)
        {
            logger.LogError(e, "Booting {Instance} on sandbox {Sandbox} failed", instance.Id, instance.SandboxId);
            instance.Fail();
        }
    }

    /// <summary>Pauses a ready instance; false when it is not ready.</summary>
    public Task<bool> PauseAsync(Instance instance, CancellationToken ct) =>
        MoveAsync(instance, InstanceStatus.Ready, InstanceStatus.Paused, sandboxes.PauseAsync, ct);

    /// <summary>Resumes a paused instance; false when it is not paused.</summary>
    public Task<bool> ResumeAsync(Instance instance, CancellationToken ct) =>
        MoveAsync(instance, InstanceStatus.Paused, InstanceStatus.Ready, sandboxes.ResumeAsync, ct);

    /// <summary>Stops and destroys the instance and its sandbox.</summary>
    public async Task DeleteAsync(Instance instance, CancellationToken ct)
    {
        store.Remove(instance);
        await instance.Deleted.CancelAsync();
        await OnSandboxAsync(instance, async token => await sandboxes.DeleteAsync(instance.SandboxId, token), ct);
    }

    private async Task<bool> MoveAsync(
        Instance instance, string from, string to, Func<int, CancellationToken, Task<SandboxInfo>> action, CancellationToken ct)
    {
        var moved = false;
        await OnSandboxAsync(instance, async token =>
        {
            if (instance.Status == from)
            {
                await action(instance.SandboxId, token);
                moved = instance.TryMove(from, to);
            }
        }, ct);
        return moved;
    }

    private static async Task OnSandboxAsync(Instance instance, Func<CancellationToken, Task> action, CancellationToken ct)
    {
        await instance.SandboxGate.WaitAsync(ct);
        try
        {
            await action(ct);
        }
        finally
        {
            instance.SandboxGate.Release();
        }
    }

    private static string Hostname(Instance instance) => instance.Id.Replace('_', '-');
}
