using System.Net;
using Aspire.Hosting.ApplicationModel;
using Cmux.Contract;
using Microsoft.Extensions.DependencyInjection;
using Cmux.Conformance.Providers;
using Cmux.Conformance.Providers.Pve;

namespace Cmux.AppHost.Tests;

/// <summary>
/// cmux's PVE flow end to end in the AppHost: the PVE fake clones and starts a container, whose
/// sandbox runs on the sandbox host; exec goes through the router by Host header; stop and delete
/// follow, and the API and the dashboard show the container at each step.
/// </summary>
[Collection(StackCollection.Name)]
public sealed class PveStackTests(AppHostStack stack)
{
    [Fact]
    [Trait(Category.Name, Category.Stack)]
    [Trait(Feature.Name, Feature.Lifecycle)]
    public async Task A_sandbox_is_cloned_started_used_through_the_router_stopped_and_deleted()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        var router = stack.Endpoint("router");
        using var provider = stack.PveProvider(new DnsEndPoint(router.Host, router.Port));
        var sandbox = await provider.CreateAsync(cts.Token);
        var vmid = int.Parse(sandbox.Id);
        var hostname = (await provider.Api.ConfigAsync(vmid, cts.Token)).GetProperty("hostname").GetString()!;
        // The dashboard shows it: a Sandbox resource named after its host name, with its public URLs.
        var resource = $"sandbox-{hostname}";
        var notifications = stack.App.Services.GetRequiredService<ResourceNotificationService>();
        try
        {
            (await provider.Api.CurrentAsync(vmid, cts.Token)).GetProperty("status").GetString().ShouldBe("running");
            var shown = await notifications.WaitForResourceAsync(resource, e => e.Snapshot.State?.Text == KnownResourceStates.Running, cts.Token);
            shown.Snapshot.ResourceType.ShouldBe("Sandbox");
            shown.Snapshot.Urls.Select(u => new Uri(u.Url).Host).ShouldContain(provider.UrlFor(sandbox, SandboxPorts.VsCode).Host);

            var result = await provider.ExecAsync(sandbox, new ExecRequest("echo hello"), cts.Token);
            (result with { Wire = "" }).ShouldBe(new ExecResult(0, "hello\n", ""));

            await provider.StopAsync(sandbox, cts.Token);
            (await provider.Api.CurrentAsync(vmid, cts.Token)).GetProperty("status").GetString().ShouldBe("stopped");
            await notifications.WaitForResourceAsync(resource, e => e.Snapshot.State?.Text == "Stopped", cts.Token);
        }
        finally
        {
            await provider.DeleteAsync(sandbox, cts.Token);
        }

        await notifications.WaitForResourceAsync(resource, e => e.Snapshot.State?.Text == "Deleted", cts.Token);
        var gone = await Should.ThrowAsync<PveApiException>(() => provider.Api.CurrentAsync(vmid, cts.Token));
        gone.Message.ShouldContain($"Configuration file 'nodes/pve/lxc/{vmid}.conf' does not exist");
    }

    /// <summary>A vmid comes back once its container is deleted (cmux takes the smallest free one): its row shows the new one.</summary>
    [Fact]
    [Trait(Category.Name, Category.Stack)]
    [Trait(Feature.Name, Feature.Lifecycle)]
    public async Task A_sandbox_created_again_on_a_vmid_shows_again_in_the_dashboard()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        var router = stack.Endpoint("router");
        using var provider = stack.PveProvider(new DnsEndPoint(router.Host, router.Port));
        var notifications = stack.App.Services.GetRequiredService<ResourceNotificationService>();
        var first = await provider.CreateAsync(cts.Token);
        var resource = $"sandbox-{(await provider.Api.ConfigAsync(int.Parse(first.Id), cts.Token)).GetProperty("hostname").GetString()}";
        await notifications.WaitForResourceAsync(resource, e => e.Snapshot.State?.Text == KnownResourceStates.Running, cts.Token);
        await provider.DeleteAsync(first, cts.Token);
        await notifications.WaitForResourceAsync(resource, e => e.Snapshot.State?.Text == "Deleted", cts.Token);

        var again = await provider.CreateAsync(cts.Token);
        try
        {
            again.Id.ShouldBe(first.Id, "the smallest free vmid is the one just freed");
            await notifications.WaitForResourceAsync(resource, e => e.Snapshot.State?.Text == KnownResourceStates.Running, cts.Token);
        }
        finally
        {
            await provider.DeleteAsync(again, cts.Token);
        }
        await notifications.WaitForResourceAsync(resource, e => e.Snapshot.State?.Text == "Deleted", cts.Token);
    }
}
