using System.Net;
using System.Text;
using Aspire.Hosting.ApplicationModel;
using Cmux.Conformance.Http;
using Cmux.Conformance.Providers;
using Cmux.Conformance.Providers.Morph;
using Cmux.Conformance.Providers.Pve;
using Cmux.Contract;
using Cmux.Fakes.Cloudflare;
using Cmux.Fakes.Morph;
using Cmux.Fakes.Pve;
using Cmux.Provisioning;
using Microsoft.Extensions.DependencyInjection;

namespace Cmux.AppHost.Tests.Secrets;

/// <summary>
/// The whole stack driven with the run's secrets in headers and query strings, then every log it
/// wrote at Information scanned for them: each resource's console (as the dashboard shows it),
/// each sandbox's execd log, and any other log file in the run folder. Every resource is stopped
/// gracefully first, so its logger's queue is flushed and its log complete.
/// </summary>
[Collection(LogScanCollection.Name)]
public sealed class StackLogScanTests(AppHostStack stack)
{
    private static readonly TimeSpan FlushTimeout = TimeSpan.FromSeconds(30);

    [Fact]
    [Trait(Category.Name, Category.Stack)]
    [Trait(Feature.Name, Feature.Secrets)]
    public async Task No_secret_and_no_query_string_reaches_any_log_at_information()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(4));
        var ct = cts.Token;
        await using var recorder = ResourceLogRecorder.Start(stack.App);
        var provisioned = ProvisioningOutput.Read(stack.TunnelSetupOutput).ShouldNotBeNull();
        var access = provisioned.ServiceToken.ShouldNotBeNull();
        var secrets = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [SecretNames.PveToken] = PveFakeApp.Defaults["Pve:Auth:Tokens:0:Secret"]!,
            [SecretNames.CloudflareToken] = FakeAccount.Token,
            [SecretNames.AccessClientId] = access.ClientId,
            [SecretNames.AccessClientSecret] = access.ClientSecret.ShouldNotBeNull(),
            [SecretNames.ExecdToken] = CmuxExecWire.NewToken(),
            [SecretNames.MorphApiKey] = MorphFakeApp.DefaultApiKeys[0],
        };
        if (provisioned.TunnelToken is { Length: > 0 } tunnelToken)
        {
            secrets[SecretNames.TunnelToken] = tunnelToken;
        }
        var traffic = new SecretTraffic(secrets);
        var sandboxData = Path.Combine(stack.RunDirectory, "sandboxes");

        using var trust = TrustedRoots.FromPemFile(stack.CaPem);
        var edge = stack.Endpoint("edge", "https");
        using var pve = stack.PveProvider(new DnsEndPoint(edge.Host, edge.Port), trust);
        using var morph = MorphProvider(trust);
        var sandbox = await pve.CreateAsync(ct);
        SandboxHandle? instance = null;
        IReadOnlyDictionary<string, IReadOnlyList<string>> execdLogs;
        try
        {
            instance = await morph.CreateAsync(ct);
            // Where execd reads its token (the cmux profile checks it; the seed profile has no auth).
            WriteOwnerOnly(Path.Combine(sandboxData, "sandboxes", sandbox.Id, "home", ".worker-auth-token"), secrets[SecretNames.ExecdToken]);
            await DriveEveryServiceAsync(traffic, secrets, pve, sandbox, morph, instance, trust, ct);
            using var control = new HttpClient { BaseAddress = stack.Endpoint("sandboxes") };
            var sandboxHost = new Cmux.Fakes.Sandbox.Client.SandboxHostClient(control);
            execdLogs = await ExecdShutdown.StopAndReadLogsAsync(sandboxData, FlushTimeout, async id => await sandboxHost.StopAsync(id, ct));
        }
        finally
        {
            await pve.DeleteAsync(sandbox, CancellationToken.None);
            if (instance is not null)
            {
                await morph.DeleteAsync(instance, CancellationToken.None);
            }
        }
        await StopEveryProjectAsync(recorder, ct);

        var scan = new LeakScan(traffic.Watched);
        var logs = recorder.Lines;
        var findings = logs.SelectMany(log => scan.Find($"resource {log.Key}", log.Value))
            .Concat(execdLogs.SelectMany(log => scan.Find(log.Key, log.Value)))
            .Concat(Directory.EnumerateFiles(stack.RunDirectory, "*.log", SearchOption.AllDirectories)
                .SelectMany(file => scan.Find(file, ExecdShutdown.ReadLines(file))))
            .ToList();

        findings.ShouldBeEmpty();
        // Each service served what it was sent, so its log had every chance to show it.
        traffic.Sent.Where(s => (int)s.Status >= 500 || (s.What.Contains("exec", StringComparison.Ordinal) && s.Status != HttpStatusCode.OK))
            .Select(s => $"{s.What}: {(int)s.Status} {s.Answer}").ShouldBeEmpty();
        execdLogs.Count.ShouldBe(2, "the PVE sandbox's and the Morph instance's execd");
    }

    private async Task DriveEveryServiceAsync(SecretTraffic traffic, IReadOnlyDictionary<string, string> secrets,
        PveProvider pve, SandboxHandle sandbox, MorphProvider morph, SandboxHandle instance, TrustedRoots trust, CancellationToken ct)
    {
        var pveAuth = new Dictionary<string, string> { ["Authorization"] = $"PVEAPIToken=root@pam!cmux={secrets[SecretNames.PveToken]}" };
        var execdAuth = new Dictionary<string, string> { ["Authorization"] = $"Bearer {secrets[SecretNames.ExecdToken]}" };
        var accessAndExecd = new Dictionary<string, string>(pve.AuthHeaders) { ["Authorization"] = execdAuth["Authorization"] };
        var accessAndPve = new Dictionary<string, string>(pve.AuthHeaders) { ["Authorization"] = pveAuth["Authorization"] };
        var morphAuth = new Dictionary<string, string> { ["Authorization"] = $"Bearer {secrets[SecretNames.MorphApiKey]}" };
        var execd = pve.UrlFor(sandbox, SandboxPorts.Execd);
        var pveHost = $"pve.{FakeAccount.Domain}";

        using var direct = new HttpClient(new SocketsHttpHandler { UseProxy = false, AllowAutoRedirect = false });
        using var pveHttps = new HttpClient(ResolvingHandler.Create(new PublicRoute(null, trust)));
        var pveHttpsUrl = new Uri((await stack.EnvironmentOfAsync("pve", ct))["Pve__HttpsUrl"]!);
        var edge = stack.Endpoint("edge", "https");
        using var throughEdge = new HttpClient(ResolvingHandler.Create(new PublicRoute(new DnsEndPoint(edge.Host, edge.Port), trust)));
        var gateway = stack.Endpoint("morph", "gateway");
        using var throughGateway = new HttpClient(ResolvingHandler.Create(new PublicRoute(new DnsEndPoint(gateway.Host, gateway.Port), trust)));

        await traffic.SendAsync("PVE API", direct, HttpMethod.Get, new Uri(stack.Endpoint("pve"), "/api2/json/nodes/pve/lxc"), pveAuth, ct);
        await traffic.SendAsync("PVE API over HTTPS", pveHttps, HttpMethod.Get, new Uri(pveHttpsUrl, "/api2/json/version"), pveAuth, ct);
        await traffic.SendAsync("Cloudflare API", direct, HttpMethod.Get,
            new Uri(stack.Endpoint("cloudflare"), $"/client/v4/zones/{FakeAccount.ZoneId}/dns_records"),
            new Dictionary<string, string> { ["Authorization"] = $"Bearer {secrets[SecretNames.CloudflareToken]}" }, ct);
        await traffic.SendAsync("execd through the edge and the router", throughEdge, HttpMethod.Post, new Uri(execd, "/exec"), accessAndExecd, ct, ExecBody(pve));
        await traffic.SendAsync("a sandbox port through the edge", throughEdge, HttpMethod.Get, pve.UrlFor(sandbox, SandboxPorts.VsCode), accessAndExecd, ct);
        await traffic.SendAsync("PVE API through the edge", throughEdge, HttpMethod.Get, new Uri($"https://{pveHost}/api2/json/version"), accessAndPve, ct);
        await traffic.SendAsync("the edge without Access", throughEdge, HttpMethod.Get, new Uri(execd, "/exec"), execdAuth, ct);
        await traffic.SendAsync("the edge's HTTP redirect", direct, HttpMethod.Get, new Uri(stack.Endpoint("edge", "http"), "/exec"), execdAuth, ct, host: execd.Host);
        await traffic.SendAsync("execd through the router", direct, HttpMethod.Post, new Uri(stack.Endpoint("router"), "/exec"), execdAuth, ct, ExecBody(pve), execd.Host);
        await traffic.SendAsync("PVE API through the router", direct, HttpMethod.Get, new Uri(stack.Endpoint("router"), "/api2/json/version"), pveAuth, ct, host: pveHost);
        await traffic.SendAsync("the router's 404", direct, HttpMethod.Get, new Uri(stack.Endpoint("router"), "/"), execdAuth, ct, host: "example.com");
        await traffic.SendAsync("Morph API", direct, HttpMethod.Get, new Uri(stack.Endpoint("morph"), "/api/instance"), morphAuth, ct);
        await traffic.SendAsync("Morph exec", direct, HttpMethod.Post, new Uri(stack.Endpoint("morph"), $"/api/instance/{instance.Id}/exec"), morphAuth, ct,
            new StringContent("""{"command":["echo","ok"]}""", Encoding.UTF8, "application/json"));
        await traffic.SendAsync("Morph gateway", throughGateway, HttpMethod.Get, morph.UrlFor(instance, SandboxPorts.VsCode), morphAuth, ct);
        await traffic.SendAsync("sandbox host control API", direct, HttpMethod.Get, new Uri(stack.Endpoint("sandboxes"), "/sandboxes"), execdAuth, ct);
        foreach (var resource in (string[])["pve", "cloudflare", "edge", "router", "morph", "sandboxes"])
        {
            await traffic.SendAsync($"{resource} health", direct, HttpMethod.Get, new Uri(stack.Endpoint(resource, "management"), "/health"), execdAuth, ct);
        }

    }

    private static StringContent ExecBody(PveProvider pve) => new(
        pve.IsCmux ? CmuxExecWire.Body(new ExecRequest("echo ok")) : """{"command":"echo ok"}""", Encoding.UTF8, "application/json");

    /// <summary>
    /// Stops every project (SIGTERM first), so each logger flushes; its "shutting down" line,
    /// at Information, says the log is complete and was live at that level. The tunnel setup has
    /// already ended: its last line is the output file it wrote.
    /// </summary>
    private async Task StopEveryProjectAsync(ResourceLogRecorder recorder, CancellationToken ct)
    {
        var model = stack.App.Services.GetRequiredService<DistributedApplicationModel>();
        var commands = stack.App.Services.GetRequiredService<ResourceCommandService>();
        await Task.WhenAll(model.Resources.OfType<ProjectResource>().Select(async project =>
        {
            if (project.Name == "tunnel-setup")
            {
                await recorder.UntilLoggedAsync(project.Name, "wrote ", FlushTimeout);
                return;
            }
            // The line is logged as the stop begins, after everything the requests logged: once it is
            // in, the log is complete, however long the process then takes to exit (DCP may report
            // the stop as failed when it has to kill it in the end).
            var stopping = commands.ExecuteCommandAsync(project, KnownResourceCommands.StopCommand, ct);
            await recorder.UntilLoggedAsync(project.Name, ExecdShutdown.ShutdownLine, FlushTimeout);
            await stopping;
            recorder.LinesOf(project.Name).ShouldContain(l => l.Contains("Application started", StringComparison.Ordinal),
                $"{project.Name}'s log is not complete from its start");
        }));
    }

    private MorphProvider MorphProvider(TrustedRoots trust)
    {
        var gateway = stack.Endpoint("morph", "gateway");
        return new MorphProvider(new MorphProviderOptions
        {
            ApiBaseUrl = new Uri(stack.Endpoint("morph"), "/api/"),
            ApiKey = MorphFakeApp.DefaultApiKeys[0],
            SnapshotId = MorphFakeApp.DefaultSnapshots[0],
            Ports = [SandboxPorts.VsCode],
            PollInterval = TimeSpan.FromMilliseconds(200),
            Route = new PublicRoute(new DnsEndPoint(gateway.Host, gateway.Port), trust),
        });
    }

    private static void WriteOwnerOnly(string path, string content)
    {
        var create = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            create.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }
        using var file = new FileStream(path, create);
        file.Write(Encoding.UTF8.GetBytes(content));
    }
}
