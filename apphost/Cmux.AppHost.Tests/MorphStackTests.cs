using System.Net;
using Cmux.Conformance.Http;
using Cmux.Conformance.Providers;
using Cmux.Conformance.Providers.Morph;
using Cmux.Contract;

namespace Cmux.AppHost.Tests;

/// <summary>The Morph provider against the composed stack: the morph resource's API and gateway over the sandbox host.</summary>
[Collection(StackCollection.Name)]
[Trait(Category.Name, Category.Stack)]
[Trait(Feature.Name, Feature.MorphApi)]
public sealed class MorphStackTests(AppHostStack stack)
{
    [Fact]
    public async Task The_provider_creates_reaches_execs_and_deletes_through_the_stack()
    {
        using var ca = stack.LoadCa();
        var gateway = stack.Endpoint("morph", "gateway");
        using var provider = new MorphProvider(new MorphProviderOptions
        {
            ApiBaseUrl = new Uri(stack.Endpoint("morph"), "/api/"),
            ApiKey = Fakes.Morph.MorphFakeApp.DefaultApiKeys[0],
            SnapshotId = Fakes.Morph.MorphFakeApp.DefaultSnapshots[0],
            Ports = [SandboxPorts.VsCode],
            PollInterval = TimeSpan.FromMilliseconds(200),
            Route = new PublicRoute(new DnsEndPoint(gateway.Host, gateway.Port), TrustedRoots.FromPemFile(stack.CaPem)),
        });
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));

        var sandbox = await provider.CreateAsync(timeout.Token);
        try
        {
            using var client = new HttpClient(provider.CreateHttpHandler());
            using var page = await client.GetAsync(provider.UrlFor(sandbox, SandboxPorts.VsCode), timeout.Token);
            var exec = await provider.ExecAsync(sandbox, new ExecRequest("echo from morph | tr a-z A-Z"), timeout.Token);

            page.StatusCode.ShouldBe(HttpStatusCode.OK);
            (exec with { Wire = "" }).ShouldBe(new ExecResult(0, "FROM MORPH\n", ""));
        }
        finally
        {
            await provider.DeleteAsync(sandbox, CancellationToken.None);
        }
    }
}
