using System.Globalization;
using System.Net;
using Cmux.Conformance.Checks;
using Cmux.Conformance.Tests.Infrastructure;
using Cmux.Fakes.Sandbox.Client;

namespace Cmux.Conformance.Tests.Suite.Features;

public abstract class LifecycleChecks(StackFixture stack) : ConformanceTests(stack)
{
    /// <summary>
    /// cmux's readiness probe: HEAD on the VS Code URL passes on 2xx, 301 or 302. An error or no
    /// answer within 5 s (a frozen sandbox accepts and never answers) is not serving.
    /// </summary>
    private static async Task<bool> ServesAsync(ProviderSession s, Cmux.Conformance.Providers.SandboxHandle sandbox)
    {
        using var client = s.CreateClient();
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Head, s.Provider.UrlFor(sandbox, SandboxPorts.VsCode));
            using var response = await client.SendAsync(request, Timeout(5));
            return response.IsSuccessStatusCode || response.StatusCode is HttpStatusCode.Moved or HttpStatusCode.Found;
        }
        catch (Exception e) when (e is HttpRequestException or OperationCanceledException)
        {
            return false;
        }
    }

    private static async Task EventuallyAsync(Func<Task<bool>> condition, string what)
    {
        // cmux polls every 500 ms for up to 45 s; so do we.
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

    [SkippableFact]
    [Trait(Category.Name, Category.Stack)]
    [Trait(Feature.Name, Feature.Lifecycle)]
    public Task Created_sandboxes_become_ready() => CheckAsync(CheckCatalog.Lifecycle.CreateReady, async s =>
    {
        var sandbox = await s.CreateSandboxAsync(Timeout(300));
        Recorder.Observe("time-to-ready", s.Name, sandbox.TimeToReady.TotalSeconds.ToString("F2", CultureInfo.InvariantCulture) + " s");
        await EventuallyAsync(() => ServesAsync(s, sandbox), "VS Code answers HEAD");
        (await s.Provider.ExecAsync(sandbox, new("echo ready"), Timeout())).Stdout.Trim().ShouldBe("ready");
        await s.Provider.DeleteAsync(sandbox, Timeout());
    });

    [SkippableFact]
    [Trait(Category.Name, Category.Stack)]
    [Trait(Feature.Name, Feature.Lifecycle)]
    public Task Paused_sandboxes_resume() => CheckAsync(CheckCatalog.Lifecycle.PauseResume, async s =>
    {
        var sandbox = await s.CreateSandboxAsync(Timeout(300));
        (await s.Provider.ExecAsync(sandbox, new("echo before > /root/pause-marker"), Timeout())).ExitCode.ShouldBe(0);
        await s.Provider.PauseAsync(sandbox, Timeout(300));
        var servesWhilePaused = await ServesAsync(s, sandbox);
        await s.Provider.ResumeAsync(sandbox, Timeout(300));
        await EventuallyAsync(() => ServesAsync(s, sandbox), "VS Code answers after resume");
        (await s.Provider.ExecAsync(sandbox, new("cat /root/pause-marker"), Timeout())).Stdout.Trim().ShouldBe("before");
        Recorder.Observe("pause", s.Name, servesWhilePaused ? "URLs still answer while paused" : "URLs stop answering while paused");
        await s.Provider.DeleteAsync(sandbox, Timeout());
    });

    [SkippableFact]
    [Trait(Category.Name, Category.Stack)]
    [Trait(Feature.Name, Feature.Lifecycle)]
    public Task Stopped_sandboxes_stop_serving() => CheckAsync(CheckCatalog.Lifecycle.Stop, async s =>
    {
        var sandbox = await s.CreateSandboxAsync(Timeout(300));
        await EventuallyAsync(() => ServesAsync(s, sandbox), "VS Code answers");
        await s.Provider.StopAsync(sandbox, Timeout(300));
        await EventuallyAsync(async () => !await ServesAsync(s, sandbox), "VS Code stops answering");
        Recorder.Observe("stop", s.Name, s.Expectations.StopDestroys ? "destroys the sandbox" : "halts it; delete is separate");
        await s.Provider.DeleteAsync(sandbox, Timeout());
    });

    [SkippableFact]
    [Trait(Category.Name, Category.Stack)]
    [Trait(Feature.Name, Feature.Lifecycle)]
    public Task Deleted_sandboxes_are_gone() => CheckAsync(CheckCatalog.Lifecycle.Delete, async s =>
    {
        var sandbox = await s.CreateSandboxAsync(Timeout(300));
        await s.Provider.DeleteAsync(sandbox, Timeout(300));
        await EventuallyAsync(async () => !await ServesAsync(s, sandbox), "VS Code stops answering");
        await s.Provider.DeleteAsync(sandbox, Timeout(300));
    });
}

public sealed class PveLifecycleChecks(StackFixture stack) : LifecycleChecks(stack)
{
    protected override string ProviderName => ProviderNames.Pve;
}

public sealed class MorphLifecycleChecks(StackFixture stack) : LifecycleChecks(stack)
{
    protected override string ProviderName => ProviderNames.Morph;
}
