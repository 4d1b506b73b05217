using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Cmux.AppHost.Dashboard;
using Cmux.Contract;
using Cmux.Fakes.Cloudflare;
using Cmux.Fakes.RunPki;

namespace Cmux.AppHost.Composition;

/// <summary>
/// The one composition of the stack, used by the AppHost's <c>Program</c> (dashboard, <c>aspire
/// run</c>), by every test through Aspire.Hosting.Testing, and so by <c>eng/run.sh</c>:
///
///   client ──https──► edge (Cloudflare: TLS *.domain, Access, tunnel ingress) ──► router ──► sandboxes
///   client ──https──► morph (gateway: {name}-morphvm-{id}.domain) ─────────────────────────► sandboxes
///   pve (PVE 8 API) and morph (instance API) start and stop sandboxes;
///   tunnel-setup provisions the tunnel, ingress and DNS through the cloudflare API; the edge reads them.
///
/// Each endpoint is a fake or the real system as <see cref="CompositionOptions"/> says; the profile is
/// handed explicitly to every resource it concerns (the router, every sandbox's execd, the PVE fake's
/// "create sandbox"), never left to inheritance. What was composed is written to
/// <c>{run folder}/composition.json</c> for the tests and the report.
/// </summary>
public static class CmuxStackBuilder
{
    public const string CompositionFile = "composition.json";

    /// <summary>The endpoint every health check uses: never the one that serves sandbox or API traffic.</summary>
    public const string Management = "management";

    public static ComposedStack AddCmuxStack(this IDistributedApplicationBuilder builder, CompositionOptions composition)
    {
        // Files a run shares with its tests: the run's CA (a new one every start) and the tunnel
        // setup's output (the Access service token). Sandboxes keep their hosts file in their own
        // folder: the router resolves LAN names from it, as Caddy on a PVE host resolves them from the LAN's DNS.
        var runDirectory = builder.Configuration["Cmux:RunDirectory"] ?? Path.Combine(builder.AppHostDirectory, "obj", "cmux-run");
        var caDirectory = Path.Combine(runDirectory, "ca");
        // The run's CA may sign only for the run's names (and loopback): the zone behind the edge, the
        // Morph gateway's domain, the PVE node (pve, pve.lan). Tests and the browser trust it for no more.
        using (var ca = RunCertificateAuthority.Create([FakeAccount.Domain, MorphGatewayDomain, "pve", "pve.lan"]))
        {
            ca.Save(caDirectory);
        }
        var sandboxData = builder.Configuration["Cmux:SandboxDirectory"] ?? Path.Combine(Path.GetTempPath(), "cmux-sandboxes");
        var hostsFile = Path.Combine(sandboxData, "hosts");
        var edgeIdleTimeout = builder.Configuration["Cmux:EdgeWebSocketIdleTimeout"] ?? "00:01:40";
        var stack = new ComposedStack(composition, runDirectory);
        builder.WriteEndpointsTo(runDirectory);

        var sandboxes = builder.AddProject<Projects.Cmux_Fakes_Sandbox>("sandboxes")
            .WithHttpEndpoint().WithManagementEndpoint()
            .WithEnvironment("Sandbox__DataDir", sandboxData)
            .WithEnvironment("Sandbox__SearchDomain", SandboxNames.DefaultSearchDomain)
            .WithEnvironment("Sandbox__Execd__Profile", composition.Profile)
            // The suite deploys its own probe into sandboxes, as it must on a real template; the
            // load benchmarks, which request /_cmux/bytes and the websocket echo, ask for them.
            .WithEnvironment("Sandbox__TestEndpoints", composition.SandboxTestEndpoints ? "true" : "false");
        if (composition.ExecdPath is { } execd)
        {
            sandboxes.WithEnvironment("Sandbox__ExecdPath", execd);
        }
        sandboxes.WithEnvironment("Sandbox__Runtime", composition.Sandboxes);
        if (composition.DockerSandboxesOn)
        {
            // Each sandbox a container from the template image on a network the sandbox host makes;
            // the router still reads the hosts file, where the host writes each container's address.
            stack.SandboxImage = composition.SandboxImage ?? TemplateImage.ForRecipe(Path.GetFullPath(Path.Combine(builder.AppHostDirectory, "..", "..")));
            sandboxes.WithEnvironment("Sandbox__Docker__Image", stack.SandboxImage)
                // A container's first start (execd, the VNC server, node) is slower than a process's.
                .WithEnvironment("Sandbox__StartTimeout", "00:01:30");
        }

        // The PVE API: the fake serves it over HTTPS on a port the router and the tunnel both need before it starts.
        string pveApi;
        IResourceBuilder<IResource> pve;
        if (composition.PveUrl is { } realPve)
        {
            pveApi = realPve.GetLeftPart(UriPartial.Authority);
            pve = RealEndpoints.AddPve(builder, realPve);
        }
        else
        {
            pveApi = $"https://127.0.0.1:{FreeLoopbackPort()}";
            pve = AddPveFake(builder, composition, sandboxes, pveApi, caDirectory);
        }

        IResourceBuilder<IResource> router;
        object routerOrigin;
        switch (composition.Router)
        {
            case RouterKind.Ours when composition.RouterBinary is { } binary:
                var build = AddRouterBuild(builder, composition, hostsFile, pveApi, binary).WaitFor(sandboxes).WaitFor(pve);
                (router, routerOrigin) = (build, build.GetEndpoint("http"));
                break;
            case RouterKind.Ours:
                var ours = AddOurRouter(builder, composition, hostsFile, pveApi).WaitFor(sandboxes).WaitFor(pve);
                (router, routerOrigin) = (ours, ours.GetEndpoint("http"));
                break;
            case RouterKind.Caddy:
                var caddy = CaddyRouter.Add(builder, composition, hostsFile, runDirectory).WaitFor(sandboxes).WaitFor(pve);
                (router, routerOrigin) = (caddy, caddy.GetEndpoint("http"));
                break;
            default:
                (router, routerOrigin) = (RealEndpoints.AddExternalRouter(builder, composition.RouterUrl!), composition.RouterUrl!.ToString());
                break;
        }
        stack.Router = composition.Router switch
        {
            RouterKind.Ours when composition.RouterBinary is { } binary => $"ours ({binary}, Cmux:RouterBinary)",
            RouterKind.Ours => "ours (services/Cmux.Router)",
            RouterKind.Caddy => $"Caddy {CaddyRouter.Version()} ({composition.Profile}.Caddyfile)",
            _ => $"external ({composition.RouterUrl!.GetLeftPart(UriPartial.Authority)})",
        };

        IResourceBuilder<ProjectResource>? edge = null, fakeCloudflare = null;
        // pve-tunnel-setup.sh's cloud part: tunnel, ingress to the router and the PVE API, wildcard
        // DNS, Access with a service token (written to the run folder). It then exits.
        var tunnelSetup = builder.AddProject<Projects.Cmux_Provisioning>("tunnel-setup")
            .WithEnvironment(context => context.EnvironmentVariables["Provisioning__RouterOrigin"] = routerOrigin)
            .WithEnvironment("Provisioning__PveOrigin", pveApi)
            .WithEnvironment("Provisioning__Access", composition.Access ? "true" : "false")
            .WithEnvironment("Provisioning__OutputFile", Path.Combine(runDirectory, "tunnel-setup.json"))
            .WaitFor(router);
        if (composition.CloudflareUrl is { } realCloudflare)
        {
            // The real account: its token is a secret parameter; nothing changes unless asked.
            var cloudflare = RealEndpoints.AddCloudflare(builder, realCloudflare, out var token, out var account, out var zone, out var domain);
            tunnelSetup
                .WithEnvironment("Provisioning__ApiBaseUrl", realCloudflare.ToString())
                .WithEnvironment("Provisioning__ApiToken", token)
                .WithEnvironment("Provisioning__AccountId", account)
                .WithEnvironment("Provisioning__ZoneId", zone)
                .WithEnvironment("Provisioning__Domain", domain)
                .WithEnvironment("Provisioning__DryRun", composition.CloudflareWrite ? "false" : "true")
                .WaitFor(cloudflare);
        }
        else
        {
            var cloudflare = fakeCloudflare = builder.AddProject<Projects.Cmux_Fakes_Cloudflare>("cloudflare")
                .WithHttpEndpoint().WithManagementEndpoint();
            tunnelSetup
                .WithEnvironment("Provisioning__ApiBaseUrl", ReferenceExpression.Create($"{cloudflare.GetEndpoint("http")}/client/v4"))
                .WithEnvironment("Provisioning__ApiToken", FakeAccount.Token)
                .WithEnvironment("Provisioning__AccountId", FakeAccount.AccountId)
                .WithEnvironment("Provisioning__ZoneId", FakeAccount.ZoneId)
                .WithEnvironment("Provisioning__Domain", FakeAccount.Domain)
                .WaitFor(cloudflare);

            // The edge reads the tunnel from the fake API; with the real API, Cloudflare's edge is the real one.
            edge = builder.AddProject<Projects.Cmux_Fakes_Edge>("edge")
                .WithHttpEndpoint().WithOwnHttpsEndpoint("https").WithManagementEndpoint()
                .WithEnvironment("Tls__CaDirectory", caDirectory)
                .WithEnvironment("Edge__WebSocketIdleTimeout", edgeIdleTimeout)
                .WithEnvironment("Edge__Domain", FakeAccount.Domain)
                .WithEnvironment("Edge__ApiToken", FakeAccount.Token)
                .WithEnvironment("Edge__AccountId", FakeAccount.AccountId)
                .WithEnvironment("Edge__ZoneId", FakeAccount.ZoneId)
                .WithReference(cloudflare).WaitFor(cloudflare)
                .WaitFor(router).WaitFor(pve)
                .WaitForCompletion(tunnelSetup);
            // HTTP is redirected to the https endpoint's public port.
            edge.WithEnvironment("Edge__HttpsPort", edge.GetEndpoint("https").Property(EndpointProperty.Port));
        }

        var morph = builder.AddProject<Projects.Cmux_Fakes_Morph>("morph")
            .WithHttpEndpoint().WithOwnHttpsEndpoint("gateway").WithManagementEndpoint()
            .WithEnvironment("Tls__CaDirectory", caDirectory)
            .WithEnvironment("Morph__GatewayDomain", MorphGatewayDomain)
            .WithReference(sandboxes).WaitFor(sandboxes);

        // Every sandbox in the dashboard, with its public URLs: PVE's through the edge (or the real
        // domain), Morph's through its gateway.
        var edgeHttps = edge?.GetEndpoint("https");
        var gateway = morph.GetEndpoint("gateway");
        sandboxes.ShowSandboxes(sandboxData, sandbox => SandboxResources.PortLinks(sandbox, port =>
        {
            if (sandbox.Hostname.StartsWith("morphvm-", StringComparison.Ordinal))
            {
                return gateway.IsAllocated ? $"https://{UrlPatterns.MorphHost(UrlPatterns.MorphServiceName(port), sandbox.Hostname, MorphGatewayDomain)}:{gateway.Port}/" : null;
            }
            var host = composition.IsCmuxProfile
                ? UrlPatterns.CmuxHost(port, sandbox.Hostname, FakeAccount.Domain)
                : UrlPatterns.SeedHost(port, sandbox.Id, FakeAccount.Domain);
            return edgeHttps is { IsAllocated: true } ? $"https://{host}:{edgeHttps.Port}/" : $"https://{host}/";
        }));
        // The suite's command line in real mode against this stack, from the dashboard: it needs every
        // endpoint's credentials, which the AppHost knows only of the fakes.
        if (edge is not null && fakeCloudflare is not null && composition.PveUrl is null)
        {
            builder.AddConformance(new RealModeFile
            {
                RunDirectory = runDirectory,
                Profile = composition.Profile,
                PveApi = pveApi,
                CaDirectory = caDirectory,
                EdgeIdleTimeout = TimeSpan.Parse(edgeIdleTimeout, System.Globalization.CultureInfo.InvariantCulture),
                EdgeHttps = edgeHttps!,
                Cloudflare = fakeCloudflare.GetEndpoint("http"),
                Morph = morph.GetEndpoint("http"),
                MorphGateway = gateway,
                RouterOrigin = () => routerOrigin is EndpointReference endpoint ? endpoint.Url : routerOrigin.ToString()!,
            }, edge);
        }

        sandboxes.WithCommand("delete-all-sandboxes", "Delete all sandboxes", async context =>
        {
            try
            {
                var deleted = await DeleteAllAsync(sandboxes.GetEndpoint("http"), pve as IResourceBuilder<ProjectResource>, morph.GetEndpoint("http"), context.CancellationToken);
                return CommandResults.Success($"deleted {deleted} sandbox(es)");
            }
            catch (Exception e) when (e is HttpRequestException or InvalidOperationException)
            {
                return CommandResults.Failure(e.Message);
            }
        }, new CommandOptions { IconName = "Delete", Description = "Delete every PVE container and Morph instance the fakes hold (the template stays)" });

        // Every project that serves TLS brings its run-CA certificate; none takes Aspire's development
        // certificate, so Aspire looks for none (and shows no certificate error on a machine without one).
#pragma warning disable ASPIRECERTIFICATES001 // the annotation is Aspire 13's, marked experimental
        foreach (var project in builder.Resources.OfType<ProjectResource>().ToList())
        {
            builder.CreateResourceBuilder(project).WithoutHttpsCertificate();
        }
#pragma warning restore ASPIRECERTIFICATES001
        if (!composition.EndpointProxy)
        {
            // Without DCP's proxy Aspire needs each port up front; the service binds it itself.
            foreach (var resource in builder.Resources.OfType<IResourceWithEndpoints>().ToList())
            {
                foreach (var endpoint in resource.Annotations.OfType<EndpointAnnotation>())
                {
                    endpoint.IsProxied = false;
                    endpoint.Port ??= endpoint.TargetPort ?? FreeLoopbackPort();
                    endpoint.TargetPort = endpoint.Port;
                }
            }
        }
        if (!composition.Telemetry)
        {
            // Aspire names the dashboard's OTLP endpoint in every project's environment (and in an
            // executable's that asks, as another router build does); without it ServiceDefaults builds
            // no exporter, no tracing and no metrics SDK, as a service deployed alone.
            foreach (var resource in builder.Resources.OfType<IResourceWithEnvironment>().ToList())
            {
                builder.CreateResourceBuilder(resource).WithEnvironment(context => context.EnvironmentVariables.Remove("OTEL_EXPORTER_OTLP_ENDPOINT"));
            }
        }

        stack.Write();
        return stack;
    }

    /// <summary>The Morph gateway's domain, as Morph's (the fake's MorphOptions.GatewayDomain).</summary>
    private const string MorphGatewayDomain = "http.cloud.morph.so";

    /// <summary>
    /// Deletes through each fake's own API, so the fakes stay in step with their sandboxes: PVE
    /// containers by the fake's admin endpoint, Morph instances by the instance API.
    /// </summary>
    private static async Task<int> DeleteAllAsync(EndpointReference sandboxHost, IResourceBuilder<ProjectResource>? pve, EndpointReference morph, CancellationToken ct)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromMinutes(2) };
        using var control = new HttpClient { BaseAddress = new Uri(sandboxHost.Url + "/") };
        var sandboxes = await new Cmux.Fakes.Sandbox.Client.SandboxHostClient(control).ListAsync(ct);
        var count = 0;
        foreach (var sandbox in sandboxes)
        {
            using var request = sandbox.Hostname.StartsWith("morphvm-", StringComparison.Ordinal)
                ? new HttpRequestMessage(HttpMethod.Delete, $"{morph.Url}/api/instance/{sandbox.Hostname.Replace('-', '_')}")
                {
                    Headers = { Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", Cmux.Fakes.Morph.MorphFakeApp.DefaultApiKeys[0]) },
                }
                : new HttpRequestMessage(HttpMethod.Delete, $"{pve?.GetEndpoint("http").Url}/_fake/containers/{sandbox.Id}");
            using var response = await http.SendAsync(request, ct);
            if (!response.IsSuccessStatusCode)
            {
                throw new InvalidOperationException($"deleting {sandbox.Hostname} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(ct)}");
            }
            count++;
        }
        return count;
    }

    /// <summary>
    /// A second HTTP endpoint for <c>/health</c> and <c>/alive</c> (ServiceDefaults answers them only on
    /// <c>Management:Port</c>), and the resource's health check on it.
    /// </summary>
    public static IResourceBuilder<ProjectResource> WithManagementEndpoint(this IResourceBuilder<ProjectResource> resource)
    {
        resource.WithHttpEndpoint(name: Management);
        return resource
            .WithEnvironment("Management__Port", resource.GetEndpoint(Management).Property(EndpointProperty.TargetPort))
            .WithHttpHealthCheck("/health", endpointName: Management);
    }

    /// <summary>
    /// An HTTPS endpoint whose certificate the service brings (from the run's CA), declared to Aspire
    /// as the TCP port it is: an endpoint of scheme https makes Aspire look for the ASP.NET Core
    /// development certificate, which nothing here uses, and put a "No trusted development
    /// certificate" error on every dashboard page of a machine that has none. The service still
    /// listens with https (ASPNETCORE_URLS), and the dashboard links it as https.
    /// </summary>
    public static IResourceBuilder<ProjectResource> WithOwnHttpsEndpoint(this IResourceBuilder<ProjectResource> resource, string name)
    {
        resource.WithEndpoint(name: name, scheme: "tcp");
        var endpoint = resource.GetEndpoint(name);
        return resource
            .WithEnvironment(context =>
            {
                // Aspire wrote the http endpoints' URLs before this callback runs; a tcp endpoint it leaves out.
                var urls = new ReferenceExpressionBuilder();
                if (context.EnvironmentVariables.TryGetValue("ASPNETCORE_URLS", out var others))
                {
                    urls.AppendValueProvider(others);
                    urls.AppendLiteral(";");
                }
                urls.Append($"https://{endpoint.EndpointAnnotation.TargetHost}:{endpoint.Property(EndpointProperty.TargetPort)}");
                context.EnvironmentVariables["ASPNETCORE_URLS"] = urls.Build();
            })
            .WithUrlForEndpoint(name, url => url.Url = new UriBuilder(url.Url) { Scheme = "https" }.Uri.ToString());
    }

    private static IResourceBuilder<ProjectResource> AddPveFake(IDistributedApplicationBuilder builder, CompositionOptions composition,
        IResourceBuilder<ProjectResource> sandboxes, string pveApi, string caDirectory)
    {
        var pve = builder.AddProject<Projects.Cmux_Fakes_Pve>("pve")
            .WithHttpEndpoint().WithManagementEndpoint()
            .WithEnvironment("Pve__HttpsUrl", pveApi)
            .WithEnvironment("Pve__CaFolder", caDirectory)
            .WithReference(sandboxes).WaitFor(sandboxes);
        pve.WithCommand("create-sandbox", "Create sandbox", async context =>
        {
            // Clone the template, start it, and answer once its sandbox serves: one click in the dashboard.
            // The host name follows the profile, as the PVE provider names its clones.
            var hostname = composition.IsCmuxProfile ? $"\"pvelxc-{Guid.NewGuid().ToString("N")[..8]}\"" : "null";
            using var http = new HttpClient { Timeout = TimeSpan.FromMinutes(5) };
            var endpoint = pve.GetEndpoint("http");
            using var response = await http.PostAsync($"{endpoint.Url}/_fake/containers",
                new StringContent($"{{\"hostname\":{hostname}}}", System.Text.Encoding.UTF8, "application/json"), context.CancellationToken);
            var body = await response.Content.ReadAsStringAsync(context.CancellationToken);
            return response.IsSuccessStatusCode
                ? CommandResults.Success($"created: {body}")
                : CommandResults.Failure($"{(int)response.StatusCode}: {body}");
        }, new CommandOptions { IconName = "AddCircle", Description = "Clone template 9000 into a new container and start it" });
        return pve;
    }

    private static IResourceBuilder<ProjectResource> AddOurRouter(IDistributedApplicationBuilder builder,
        CompositionOptions composition, string hostsFile, string pveApi) =>
        builder.AddProject<Projects.Cmux_Router>("router")
            .WithHttpEndpoint().WithManagementEndpoint()
            .WithRouterSettings(composition, hostsFile, pveApi);

    /// <summary>
    /// Another build of our router (<c>Cmux:RouterBinary</c>, e.g. a copy of the build before a
    /// change) as an executable with what the project resource gets: its endpoints in
    /// <c>ASPNETCORE_URLS</c>, health on the management endpoint, OTLP to the dashboard.
    /// </summary>
    private static IResourceBuilder<ExecutableResource> AddRouterBuild(IDistributedApplicationBuilder builder,
        CompositionOptions composition, string hostsFile, string pveApi, string binary)
    {
        var router = builder.AddExecutable("router", "dotnet", Path.GetDirectoryName(binary)!, binary)
            .WithHttpEndpoint(name: "http").WithHttpEndpoint(name: Management);
        var http = router.GetEndpoint("http");
        var management = router.GetEndpoint(Management);
        router
            .WithEnvironment("ASPNETCORE_URLS", ReferenceExpression.Create(
                $"http://localhost:{http.Property(EndpointProperty.TargetPort)};http://localhost:{management.Property(EndpointProperty.TargetPort)}"))
            .WithEnvironment("Management__Port", management.Property(EndpointProperty.TargetPort))
            .WithEnvironment("OTEL_SERVICE_NAME", "router")
            .WithHttpHealthCheck("/health", endpointName: Management)
            .WithRouterSettings(composition, hostsFile, pveApi);
        return router.WithOtlpExporter();
    }

    private static IResourceBuilder<T> WithRouterSettings<T>(this IResourceBuilder<T> router,
        CompositionOptions composition, string hostsFile, string pveApi) where T : IResourceWithEnvironment
    {
        router
            .WithEnvironment("Router__Profile", composition.Profile)
            .WithEnvironment("Router__SearchDomain", SandboxNames.DefaultSearchDomain)
            .WithEnvironment("Router__HostsFile", hostsFile)
            .WithEnvironment("Router__HostsFileOnly", "true")
            .WithEnvironment("Router__Domain", FakeAccount.Domain)
            .WithEnvironment("Router__PveUpstream", pveApi);
        // Last, so a setting under test can override any of the above.
        foreach (var (name, value) in composition.RouterSettings ?? new Dictionary<string, string>())
        {
            router.WithEnvironment(name, value);
        }
        return router;
    }

    private static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

/// <summary>What was composed, as the tests and the report read it (<c>composition.json</c>).</summary>
public sealed class ComposedStack(CompositionOptions composition, string runDirectory)
{
    public CompositionOptions Options { get; } = composition;

    public string RunDirectory { get; } = runDirectory;

    /// <summary>The router, named with its implementation and version.</summary>
    public string Router { get; set; } = "";

    /// <summary>The template image the Docker sandboxes run; null with process sandboxes.</summary>
    public string? SandboxImage { get; set; }

    public IReadOnlyDictionary<string, string> Describe() => new Dictionary<string, string>
    {
        ["profile"] = Options.Profile,
        ["router"] = Options.RouterSettings is { } settings
            ? $"{Router} with {string.Join(", ", settings.Select(s => $"{s.Key}={s.Value}"))} (Cmux:RouterSettings)"
            : Router,
        ["execd"] = Options.ExecdPath is { } path ? $"{path} (Cmux:Execd)"
            : Options.DockerSandboxesOn ? $"ours, as the template image has it (eng/template, {Options.Profile} profile)"
            : $"ours (services/Cmux.Execd, {Options.Profile} profile)",
        ["sandboxes"] = Options.DockerSandboxesOn
            ? $"docker ({SandboxImage}, a container per sandbox; fakes/Cmux.Fakes.Sandbox/Docker)"
            : "process (execd and stand-ins per sandbox on 127.1.x.y; fakes/Cmux.Fakes.Sandbox)",
        ["pve"] = Options.PveUrl is { } pve ? pve.GetLeftPart(UriPartial.Authority) : "fake (fakes/Cmux.Fakes.Pve)",
        ["cloudflare"] = Options.CloudflareUrl is { } cf
            ? $"{cf.GetLeftPart(UriPartial.Path)} ({(Options.CloudflareWrite ? "writes" : "dry run")})"
            : "fake (fakes/Cmux.Fakes.Cloudflare, fakes/Cmux.Fakes.Edge)",
        ["access"] = Options.Access ? "on (service token)" : "off (Cmux:Access=false)",
        ["telemetry"] = Options.Telemetry ? "OTLP to the dashboard" : "off (Cmux:Telemetry=false)",
        ["endpoints"] = Options.EndpointProxy ? "behind Aspire's proxy" : "each service's own listener (Cmux:EndpointProxy=false)",
    };

    public void Write()
    {
        Directory.CreateDirectory(RunDirectory);
        File.WriteAllText(Path.Combine(RunDirectory, CmuxStackBuilder.CompositionFile), JsonSerializer.Serialize(Describe(), new JsonSerializerOptions { WriteIndented = true }));
    }
}
