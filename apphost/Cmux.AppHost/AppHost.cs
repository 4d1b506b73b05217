// The system under test, as a diagram: clients reach sandboxes through the edge and the
// router (PVE side) or the Morph gateway; the PVE and Morph APIs start and stop sandboxes;
// the Cloudflare API configures the edge.
using Cmux.Cloudflare;
using Cmux.Fakes.Tls;

var builder = DistributedApplication.CreateBuilder(args);

// The run's CA, made once here so the edge and the Morph gateway serve leaves of the same root;
// tests and the browser trust its ca.pem. The folder also receives the tunnel setup's output.
var runDirectory = builder.Configuration["Cmux:RunDirectory"] ?? Path.Combine(builder.AppHostDirectory, "obj", "cmux-run");
var caDirectory = Path.Combine(runDirectory, "ca");
RunCertificateAuthority.LoadOrCreate(caDirectory).Dispose();

var sandboxes = builder.AddProject<Projects.Cmux_Fakes_Sandbox>("sandboxes")
    .WithHttpEndpoint().WithHttpHealthCheck("/health");

var router = builder.AddProject<Projects.Cmux_Router>("router")
    .WithHttpEndpoint().WithHttpHealthCheck("/health")
    .WithReference(sandboxes).WaitFor(sandboxes);

var pve = builder.AddProject<Projects.Cmux_Fakes_Pve>("pve")
    .WithHttpEndpoint().WithHttpHealthCheck("/health")
    .WithReference(sandboxes).WaitFor(sandboxes);

var cloudflare = builder.AddProject<Projects.Cmux_Fakes_Cloudflare>("cloudflare")
    .WithHttpEndpoint().WithHttpHealthCheck("/health");

// pve-tunnel-setup.sh's cloud part against the fake API: tunnel, ingress to the router and the
// PVE API, wildcard DNS, Access with a service token (written to the run folder). It then exits.
var tunnelSetup = builder.AddProject<Projects.Cmux_Provisioning>("tunnel-setup")
    .WithEnvironment("Provisioning__ApiBaseUrl", ReferenceExpression.Create($"{cloudflare.GetEndpoint("http")}/client/v4"))
    .WithEnvironment("Provisioning__ApiToken", CloudflareDefaults.Token)
    .WithEnvironment("Provisioning__AccountId", CloudflareDefaults.AccountId)
    .WithEnvironment("Provisioning__ZoneId", CloudflareDefaults.ZoneId)
    .WithEnvironment("Provisioning__Domain", CloudflareDefaults.Domain)
    .WithEnvironment("Provisioning__RouterOrigin", router.GetEndpoint("http"))
    .WithEnvironment("Provisioning__PveOrigin", pve.GetEndpoint("http"))
    .WithEnvironment("Provisioning__Access", "true")
    .WithEnvironment("Provisioning__OutputFile", Path.Combine(runDirectory, "tunnel-setup.json"))
    .WaitFor(cloudflare);

var edge = builder.AddProject<Projects.Cmux_Fakes_Edge>("edge")
    .WithHttpEndpoint().WithHttpsEndpoint(name: "https").WithHttpHealthCheck("/health", endpointName: "http")
    .WithEnvironment("Tls__CaDirectory", caDirectory)
    .WithReference(cloudflare).WaitFor(cloudflare)
    .WithReference(router).WaitFor(router)
    .WithReference(pve).WaitFor(pve)
    .WaitForCompletion(tunnelSetup);
// HTTP is redirected to the https endpoint's public port.
edge.WithEnvironment("Edge__HttpsPort", edge.GetEndpoint("https").Property(EndpointProperty.Port));

// The run's CA, made once here so the fakes that serve HTTPS never race to create it.
var caDirectory = builder.Configuration["Tls:CaDirectory"] ?? Path.Combine(Path.GetTempPath(), "cmux-conformance", "ca");
Cmux.Fakes.Tls.RunCertificateAuthority.LoadOrCreate(caDirectory).Dispose();

builder.AddProject<Projects.Cmux_Fakes_Morph>("morph")
    .WithHttpEndpoint().WithHttpsEndpoint(name: "gateway").WithHttpHealthCheck("/health")
    .WithEnvironment("Tls__CaDirectory", caDirectory)
    .WithReference(sandboxes).WaitFor(sandboxes);

builder.Build().Run();
