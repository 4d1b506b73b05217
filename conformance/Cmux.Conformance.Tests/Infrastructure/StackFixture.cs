using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using Cmux.Fakes.RunPki;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Cmux.Conformance.Tests.Infrastructure;

/// <summary>
/// Starts the AppHost once per test collection, waits until every resource is healthy, and
/// stops it (and every process DCP started for it) when the collection ends.
/// </summary>
public sealed class StackFixture : IAsyncLifetime
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(6);

    /// <summary>The edge closes idle websockets this fast in the test stack, so the idle check takes seconds, not 100 s.</summary>
    public static readonly TimeSpan EdgeWebSocketIdleTimeout = TimeSpan.FromSeconds(3);

    private DistributedApplication? _app;

    public DistributedApplication App => _app ?? throw new InvalidOperationException("The stack has not started.");

    /// <summary>Every resource of the AppHost model that declares a health check, by name.</summary>
    public IReadOnlyList<string> ResourceNames { get; private set; } = [];

    /// <summary>How long each resource took to become healthy, measured from the start of the stack.</summary>
    public IReadOnlyDictionary<string, TimeSpan> TimeToHealthy { get; private set; } = new Dictionary<string, TimeSpan>();

    /// <summary>This run's folder: the run's CA (<c>ca/ca.pem</c>), the tunnel setup's output, the sandboxes. Deleted at the end.</summary>
    public string RunDirectory { get; } = Directory.CreateTempSubdirectory("cmux-run-").FullName;

    public string CaPem => Path.Combine(RunDirectory, "ca", RunCertificateAuthority.CertificateFile);

    public RunCertificateAuthority LoadCa() => RunCertificateAuthority.Load(Path.Combine(RunDirectory, "ca"));

    /// <summary>The environment the AppHost gave a resource, as the dashboard shows it.</summary>
    public async Task<IReadOnlyDictionary<string, string?>> EnvironmentOfAsync(string resource, CancellationToken ct = default)
    {
        var notifications = App.Services.GetRequiredService<ResourceNotificationService>();
        var e = await notifications.WaitForResourceAsync(resource, e => e.Snapshot.EnvironmentVariables.Length > 0, ct);
        return e.Snapshot.EnvironmentVariables.ToDictionary(v => v.Name, v => v.Value);
    }

    public async Task InitializeAsync()
    {
        using var cts = new CancellationTokenSource(StartTimeout);
        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.Cmux_AppHost>(
            [
                "--environment=Testing",
                $"--Cmux:RunDirectory={RunDirectory}",
                $"--Cmux:SandboxDirectory={Path.Combine(RunDirectory, "sandboxes")}",
                $"--Cmux:EdgeWebSocketIdleTimeout={EdgeWebSocketIdleTimeout}",
            ], cts.Token);
        builder.Services.AddLogging(logging => logging.SetMinimumLevel(LogLevel.Warning));

        _app = await builder.BuildAsync(cts.Token);
        var started = System.Diagnostics.Stopwatch.StartNew();
        await _app.StartAsync(cts.Token);

        var model = _app.Services.GetRequiredService<DistributedApplicationModel>();
        ResourceNames = model.Resources
            .Where(r => r.Annotations.OfType<HealthCheckAnnotation>().Any())
            .Select(r => r.Name)
            .ToList();

        var notifications = _app.Services.GetRequiredService<ResourceNotificationService>();
        var healthy = new Dictionary<string, TimeSpan>();
        await Task.WhenAll(ResourceNames.Select(async name =>
        {
            await notifications.WaitForResourceHealthyAsync(name, cts.Token);
            lock (healthy)
            {
                healthy[name] = started.Elapsed;
            }
        }));
        TimeToHealthy = healthy;
    }

    public HttpClient CreateHttpClient(string resource, string? endpoint = null) => App.CreateHttpClient(resource, endpoint);

    public Uri Endpoint(string resource, string endpoint = "http") => App.GetEndpoint(resource, endpoint);

    public async Task DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
        Directory.Delete(RunDirectory, recursive: true);
    }
}

/// <summary>
/// Every test that needs the composed stack joins this collection, so the AppHost starts once. It runs
/// alone, after the unit collections: its checks time sandboxes and carry load through the chain, and
/// on two cores a differential run starting Caddy beside them would make those numbers noise.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class StackCollection : ICollectionFixture<StackFixture>
{
    public const string Name = "stack";
}
