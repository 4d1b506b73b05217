using System.Globalization;
using System.Net;
using Cmux.Conformance.Checks;
using Cmux.Conformance.Providers;
using Cmux.Conformance.Report;
using Cmux.Contract;

namespace Cmux.Conformance.Suite;

/// <summary>A sandbox's life: create until ready, pause and resume, stop, delete; each sandbox the check's own.</summary>
public static class LifecycleChecks
{
    /// <summary>
    /// cmux's readiness probe: HEAD on the VS Code URL passes on 2xx, 301 or 302. An error or no
    /// answer within 5 s (a frozen sandbox accepts and never answers) is not serving.
    /// </summary>
    private static async Task<bool> ServesAsync(CheckContext c, SandboxHandle sandbox)
    {
        using var client = c.CreateClient();
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Head, c.Provider.UrlFor(sandbox, SandboxPorts.VsCode));
            using var response = await client.SendAsync(request, c.Timeout(5));
            return response.IsSuccessStatusCode || response.StatusCode is HttpStatusCode.Moved or HttpStatusCode.Found;
        }
        catch (Exception e) when (e is HttpRequestException or OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>cmux polls every 500 ms for up to 45 s; so do we.</summary>
    private static async Task EventuallyAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(45);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new ShouldAssertException($"{what}: not within 45 s");
            }
            await Task.Delay(500);
        }
    }

    public static readonly ConformanceCheck CreateReady = new()
    {
        ShortName = "lifecycle-create-ready",
        Feature = Features.Lifecycle,
        Description = "A new sandbox becomes ready and serves its ports; time to ready is recorded.",
        Test = async c =>
        {
            var sandbox = await c.CreateSandboxAsync();
            c.Observe(KnownDifferences.TimeToReady, sandbox.TimeToReady.TotalSeconds.ToString("F2", CultureInfo.InvariantCulture) + " s");
            c.Observe(KnownDifferences.StatusAfterStart, await c.Provider.StatusAsync(sandbox, c.Timeout()) ?? "gone");
            await EventuallyAsync(() => ServesAsync(c, sandbox), "VS Code answers HEAD");
            (await c.Provider.ExecAsync(sandbox, new("echo ready"), c.Timeout())).Stdout.Trim().ShouldBe("ready");
            await c.Provider.DeleteAsync(sandbox, c.Timeout());
        },
    };

    public static readonly ConformanceCheck PauseResume = new()
    {
        ShortName = "lifecycle-pause-resume",
        Feature = Features.Lifecycle,
        Description = "A paused sandbox resumes and serves again, its files intact.",
        Needs = [Capability.PauseResume],
        Test = async c =>
        {
            var sandbox = await c.CreateSandboxAsync();
            (await c.Provider.ExecAsync(sandbox, new("echo before > /root/pause-marker"), c.Timeout())).ExitCode.ShouldBe(0);
            await c.Provider.PauseAsync(sandbox, c.Timeout(300));
            var servesWhilePaused = await ServesAsync(c, sandbox);
            await c.Provider.ResumeAsync(sandbox, c.Timeout(300));
            await EventuallyAsync(() => ServesAsync(c, sandbox), "VS Code answers after resume");
            (await c.Provider.ExecAsync(sandbox, new("cat /root/pause-marker"), c.Timeout())).Stdout.Trim().ShouldBe("before");
            c.Observe(KnownDifferences.Pause, servesWhilePaused ? "URLs still answer while paused" : "URLs stop answering while paused");
            await c.Provider.DeleteAsync(sandbox, c.Timeout());
        },
    };

    public static readonly ConformanceCheck Stop = new()
    {
        ShortName = "lifecycle-stop",
        Feature = Features.Lifecycle,
        Description = "A stopped sandbox no longer serves its ports.",
        Test = async c =>
        {
            var sandbox = await c.CreateSandboxAsync();
            await EventuallyAsync(() => ServesAsync(c, sandbox), "VS Code answers");
            await c.Provider.StopAsync(sandbox, c.Timeout(300));
            await EventuallyAsync(async () => !await ServesAsync(c, sandbox), "VS Code stops answering");
            var after = await c.Provider.StatusAsync(sandbox, c.Timeout());
            c.Observe(KnownDifferences.Stop, after is null ? "destroys the sandbox: gone after stop" : $"halts it: '{after}' after stop; delete is separate");
            await c.Provider.DeleteAsync(sandbox, c.Timeout());
        },
    };

    public static readonly ConformanceCheck Delete = new()
    {
        ShortName = "lifecycle-delete",
        Feature = Features.Lifecycle,
        Description = "A deleted sandbox is gone; deleting it again succeeds.",
        Test = async c =>
        {
            var sandbox = await c.CreateSandboxAsync();
            await c.Provider.DeleteAsync(sandbox, c.Timeout(300));
            await EventuallyAsync(async () => !await ServesAsync(c, sandbox), "VS Code stops answering");
            (await c.Provider.StatusAsync(sandbox, c.Timeout())).ShouldBeNull("the provider still lists the deleted sandbox");
            await c.Provider.DeleteAsync(sandbox, c.Timeout(300));
        },
    };
}
