// The system under test, as a diagram: clients reach sandboxes through the edge and the
// router (PVE side) or the Morph gateway; the PVE and Morph APIs start and stop sandboxes;
// the Cloudflare API configures the edge.
var builder = DistributedApplication.CreateBuilder(args);

// The sandbox host keeps its hosts file (cmux-{id}.lan -> 127.1.x.y) in its data directory; the
// router resolves upstream names from that file, as Caddy on a PVE host resolves them from DNS.
var sandboxData = Path.Combine(Path.GetTempPath(), "cmux-sandboxes");

var sandboxes = builder.AddProject<Projects.Cmux_Fakes_Sandbox>("sandboxes")
    .WithHttpEndpoint().WithHttpHealthCheck("/health")
    .WithEnvironment("Sandbox__DataDir", sandboxData);

var router = builder.AddProject<Projects.Cmux_Router>("router")
    .WithHttpEndpoint().WithHttpHealthCheck("/health")
    .WithEnvironment("Router__HostsFile", Path.Combine(sandboxData, "hosts"))
    .WithReference(sandboxes).WaitFor(sandboxes);

var pve = builder.AddProject<Projects.Cmux_Fakes_Pve>("pve")
    .WithHttpEndpoint().WithHttpHealthCheck("/health")
    .WithReference(sandboxes).WaitFor(sandboxes);

var cloudflare = builder.AddProject<Projects.Cmux_Fakes_Cloudflare>("cloudflare")
    .WithHttpEndpoint().WithHttpHealthCheck("/health");

builder.AddProject<Projects.Cmux_Fakes_Edge>("edge")
    .WithHttpEndpoint().WithHttpHealthCheck("/health")
    .WithReference(cloudflare).WaitFor(cloudflare)
    .WithReference(router).WaitFor(router)
    .WithReference(pve).WaitFor(pve);

// The run's CA, made once here so the fakes that serve HTTPS never race to create it.
var caDirectory = builder.Configuration["Tls:CaDirectory"] ?? Path.Combine(Path.GetTempPath(), "cmux-conformance", "ca");
Cmux.Fakes.Tls.RunCertificateAuthority.LoadOrCreate(caDirectory).Dispose();

builder.AddProject<Projects.Cmux_Fakes_Morph>("morph")
    .WithHttpEndpoint().WithHttpsEndpoint(name: "gateway").WithHttpHealthCheck("/health")
    .WithEnvironment("Tls__CaDirectory", caDirectory)
    .WithReference(sandboxes).WaitFor(sandboxes);

builder.Build().Run();
