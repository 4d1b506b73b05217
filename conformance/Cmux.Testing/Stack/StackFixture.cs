using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Cmux.Testing;

/// <summary>
/// Starts an AppHost (<typeparamref name="TEntryPoint"/>, the <c>Projects.*</c> type of the test
/// project's reference) once per test collection, waits until every resource is healthy, and stops
/// it (and every process DCP started for it) when the collection ends.
/// </summary>
public abstract class StackFixture<TEntryPoint> : IAsyncLifetime where TEntryPoint : class
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(6);

    private DistributedApplication? _app;

    public DistributedApplication App => _app ?? throw new InvalidOperationException("The stack has not started.");

    /// <summary>Every resource of the AppHost model that declares a health check, by name.</summary>
    public IReadOnlyList<string> ResourceNames { get; private set; } = [];

    /// <summary>How long each resource took to become healthy, measured from the start of the stack.</summary>
    public IReadOnlyDictionary<string, TimeSpan> TimeToHealthy { get; private set; } = new Dictionary<string, TimeSpan>();

    /// <summary>This run's folder, for whatever the AppHost shares with its tests. Deleted at the end.</summary>
    public string RunDirectory { get; } = Directory.CreateTempSubdirectory("cmux-run-").FullName;

    /// <summary>The AppHost's arguments for this run (<c>--Key=value</c>).</summary>
    protected virtual IEnumerable<string> Arguments => [];

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
        var builder = await DistributedApplicationTestingBuilder.CreateAsync<TEntryPoint>(["--environment=Testing", .. Arguments], cts.Token);
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

    public virtual async Task DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
        Directory.Delete(RunDirectory, recursive: true);
    }
}
