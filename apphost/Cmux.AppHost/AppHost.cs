// The system under test, as a diagram:
//
//   client ──https──► edge (Cloudflare: TLS *.domain, Access, tunnel ingress) ──► router ──► sandboxes
//   client ──https──► morph (gateway: {name}-morphvm-{id}.domain) ─────────────────────────► sandboxes
//   pve (PVE 8 API) and morph (instance API) start and stop sandboxes;
//   tunnel-setup provisions the tunnel, ingress and DNS through the cloudflare API; the edge reads them.
using System.Net;
using System.Net.Sockets;
using Cmux.Fakes.Cloudflare;
using Cmux.Fakes.RunPki;

var builder = DistributedApplication.CreateBuilder(args);

// Files a run shares with its tests: the run's CA (a new one every start) and the tunnel setup's
// output (the Access service token). Sandboxes keep their hosts file in their own folder: the router
// resolves cmux-{vmid}.lan from it, as Caddy on a PVE host resolves it from the LAN's DNS.
var runDirectory = builder.Configuration["Cmux:RunDirectory"] ?? Path.Combine(builder.AppHostDirectory, "obj", "cmux-run");
var caDirectory = Path.Combine(runDirectory, "ca");
// The run's CA may sign only for the run's names (and loopback): the zone behind the edge, the
// Morph gateway's domain, the PVE node (pve, pve.lan). Tests and the browser trust it for no more.
const string morphGatewayDomain = "http.cloud.morph.so";
using (var ca = RunCertificateAuthority.Create([FakeAccount.Domain, morphGatewayDomain, "pve", "pve.lan"]))
{
    ca.Save(caDirectory);
}
var sandboxData = builder.Configuration["Cmux:SandboxDirectory"] ?? Path.Combine(Path.GetTempPath(), "cmux-sandboxes");
var edgeIdleTimeout = builder.Configuration["Cmux:EdgeWebSocketIdleTimeout"] ?? "00:01:40";
// PVE serves its API over HTTPS on a port the router and the tunnel both need before it starts.
var pveApi = $"https://127.0.0.1:{FreeLoopbackPort()}";

var sandboxes = builder.AddProject<Projects.Cmux_Fakes_Sandbox>("sandboxes")
    .WithHttpEndpoint().WithHttpHealthCheck("/health")
    .WithEnvironment("Sandbox__DataDir", sandboxData)
    // The suite deploys its own probe into sandboxes, as it must on a real template.
    .WithEnvironment("Sandbox__TestEndpoints", "false");

var pve = builder.AddProject<Projects.Cmux_Fakes_Pve>("pve")
    .WithHttpEndpoint().WithHttpHealthCheck("/health")
    .WithEnvironment("Pve__HttpsUrl", pveApi)
    .WithEnvironment("Pve__CaFolder", caDirectory)
    .WithReference(sandboxes).WaitFor(sandboxes)
    .WithCommand("create-sandbox", "Create sandbox", async context =>
    {
        // Clone the template, start it, and answer once its sandbox serves: one click in the dashboard.
        using var http = new HttpClient { Timeout = TimeSpan.FromMinutes(5) };
        var endpoint = builder.Resources.OfType<ProjectResource>().Single(r => r.Name == "pve").GetEndpoint("http");
        using var response = await http.PostAsync($"{endpoint.Url}/_fake/containers",
            new StringContent("{}", System.Text.Encoding.UTF8, "application/json"), context.CancellationToken);
        var body = await response.Content.ReadAsStringAsync(context.CancellationToken);
        return response.IsSuccessStatusCode
            ? CommandResults.Success()
            : CommandResults.Failure($"{(int)response.StatusCode}: {body}");
    }, new CommandOptions { IconName = "AddCircle", Description = "Clone template 9000 into a new container and start it" });

var router = builder.AddProject<Projects.Cmux_Router>("router")
    .WithHttpEndpoint().WithHttpHealthCheck("/health")
    .WithEnvironment("Router__HostsFile", Path.Combine(sandboxData, "hosts"))
    .WithEnvironment("Router__HostsFileOnly", "true")
    .WithEnvironment("Router__Domain", FakeAccount.Domain)
    .WithEnvironment("Router__PveUpstream", pveApi)
    .WaitFor(sandboxes).WaitFor(pve);

var cloudflare = builder.AddProject<Projects.Cmux_Fakes_Cloudflare>("cloudflare")
    .WithHttpEndpoint().WithHttpHealthCheck("/health");

// pve-tunnel-setup.sh's cloud part against the fake API: tunnel, ingress to the router and the
// PVE API, wildcard DNS, Access with a service token (written to the run folder). It then exits.
var tunnelSetup = builder.AddProject<Projects.Cmux_Provisioning>("tunnel-setup")
    .WithEnvironment("Provisioning__ApiBaseUrl", ReferenceExpression.Create($"{cloudflare.GetEndpoint("http")}/client/v4"))
    .WithEnvironment("Provisioning__ApiToken", FakeAccount.Token)
    .WithEnvironment("Provisioning__AccountId", FakeAccount.AccountId)
    .WithEnvironment("Provisioning__ZoneId", FakeAccount.ZoneId)
    .WithEnvironment("Provisioning__Domain", FakeAccount.Domain)
    .WithEnvironment("Provisioning__RouterOrigin", router.GetEndpoint("http"))
    .WithEnvironment("Provisioning__PveOrigin", pveApi)
    .WithEnvironment("Provisioning__Access", "true")
    .WithEnvironment("Provisioning__OutputFile", Path.Combine(runDirectory, "tunnel-setup.json"))
    .WaitFor(cloudflare).WaitFor(router);

var edge = builder.AddProject<Projects.Cmux_Fakes_Edge>("edge")
    .WithHttpEndpoint().WithHttpsEndpoint(name: "https").WithHttpHealthCheck("/health", endpointName: "http")
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

builder.AddProject<Projects.Cmux_Fakes_Morph>("morph")
    .WithHttpEndpoint().WithHttpsEndpoint(name: "gateway").WithHttpHealthCheck("/health")
    .WithEnvironment("Tls__CaDirectory", caDirectory)
    .WithEnvironment("Morph__GatewayDomain", morphGatewayDomain)
    .WithReference(sandboxes).WaitFor(sandboxes);

builder.Build().Run();

static int FreeLoopbackPort()
{
    using var listener = new TcpListener(IPAddress.Loopback, 0);
    listener.Start();
    return ((IPEndPoint)listener.LocalEndpoint).Port;
}
