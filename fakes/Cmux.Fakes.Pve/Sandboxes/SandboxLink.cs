using Cmux.Fakes.Pve.Tasks;
using Cmux.Fakes.Sandbox.Client;

namespace Cmux.Fakes.Pve.Sandboxes;

/// <summary>
/// What a container's lifecycle does to its sandbox on the sandbox host: start creates and starts
/// it (reachable as <c>cmux-{vmid}.lan</c> on its address), stop stops it, destroy removes it and
/// its workspace. Without a sandbox host the containers are bookkeeping only, and each task's log
/// says so.
/// </summary>
public sealed class SandboxLink(SandboxHostClient? client)
{
    public const string NoHost = "no sandbox host configured: the container has no sandbox";

    public bool Configured => client is not null;

    /// <summary>Creates and starts the sandbox, its first process given <paramref name="environment"/> (what a pre-start hook set).</summary>
    public async Task StartAsync(int vmid, string hostname, IReadOnlyDictionary<string, string>? environment, PveTask task)
    {
        if (Host(task) is not { } host)
        {
            return;
        }
        var info = await Call(() => host.CreateAsync(vmid, new CreateSandboxRequest(hostname)));
        task.Log($"sandbox {vmid} created ({info.Hostname}, workspace {info.Workspace})");
        info = await Call(() => host.StartAsync(vmid, new StartSandboxRequest(environment)));
        task.Log($"sandbox {vmid} {info.State.ToString().ToLowerInvariant()} at {info.Address}, ports {string.Join(',', info.Ports)}");
    }

    public Task StopAsync(int vmid, PveTask task) => ChangeAsync(vmid, task, (host, id) => host.StopAsync(id));

    public Task PauseAsync(int vmid, PveTask task) => ChangeAsync(vmid, task, (host, id) => host.PauseAsync(id));

    public Task ResumeAsync(int vmid, PveTask task) => ChangeAsync(vmid, task, (host, id) => host.ResumeAsync(id));

    public async Task DeleteAsync(int vmid, PveTask task)
    {
        if (Host(task) is not { } host)
        {
            return;
        }
        var existed = await Call(() => host.DeleteAsync(vmid));
        task.Log(existed ? $"sandbox {vmid} and its workspace removed" : $"sandbox {vmid} did not exist");
    }

    private async Task ChangeAsync(int vmid, PveTask task, Func<SandboxHostClient, int, Task<SandboxInfo>> change)
    {
        if (Host(task) is not { } host)
        {
            return;
        }
        // A container started before the sandbox host knew it has no sandbox to change.
        if (await Call(() => host.GetAsync(vmid)) is null)
        {
            task.Log($"sandbox {vmid} does not exist");
            return;
        }
        var info = await Call(() => change(host, vmid));
        task.Log($"sandbox {vmid} {info.State.ToString().ToLowerInvariant()}");
    }

    private SandboxHostClient? Host(PveTask task)
    {
        if (client is null)
        {
            task.Log(NoHost);
        }
        return client;
    }

    /// <summary>A sandbox host failure fails the task with the host's message, as a failing lxc-start would.</summary>
    private static async Task<T> Call<T>(Func<Task<T>> call)
    {
        try
        {
            return await call();
        }
        catch (Exception e) when (e is SandboxHostException or HttpRequestException)
        {
            throw new TaskFailedException(e.Message);
        }
    }
}
