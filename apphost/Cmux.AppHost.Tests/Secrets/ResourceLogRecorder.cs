using System.Collections.Concurrent;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.DependencyInjection;

namespace Cmux.AppHost.Tests.Secrets;

/// <summary>
/// Every line every resource of the stack writes to its console, as the dashboard shows it:
/// each resource's log stream (its backlog from the start included), resources the AppHost adds
/// later (the sandboxes) too.
/// </summary>
public sealed class ResourceLogRecorder : IAsyncDisposable
{
    // By resource name (a resource's replicas share one); watched by resource id.
    private readonly ConcurrentDictionary<string, ConcurrentQueue<string>> _lines = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, bool> _watched = new(StringComparer.Ordinal);
    private readonly ConcurrentBag<Task> _watchers = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly ResourceLoggerService _logs;

    private ResourceLogRecorder(DistributedApplication app)
    {
        _logs = app.Services.GetRequiredService<ResourceLoggerService>();
        var notifications = app.Services.GetRequiredService<ResourceNotificationService>();
        _watchers.Add(Task.Run(async () =>
        {
            await foreach (var change in notifications.WatchAsync(_stop.Token))
            {
                Watch(change.ResourceId, change.Resource.Name);
            }
        }));
    }

    public static ResourceLogRecorder Start(DistributedApplication app) => new(app);

    /// <summary>Resource name to its lines so far.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>> Lines =>
        _lines.ToDictionary(p => p.Key, p => (IReadOnlyList<string>)[.. p.Value], StringComparer.Ordinal);

    public IReadOnlyList<string> LinesOf(string resource) => _lines.TryGetValue(resource, out var lines) ? [.. lines] : [];

    /// <summary>Waits until the resource's log holds a line containing <paramref name="text"/>.</summary>
    public Task UntilLoggedAsync(string resource, string text, TimeSpan timeout) =>
        Poll.UntilAsync(() => LinesOf(resource).Any(l => l.Contains(text, StringComparison.Ordinal)),
            $"{resource}'s log has a line with '{text}'", timeout);

    private void Watch(string resourceId, string resource)
    {
        if (!_watched.TryAdd(resourceId, true))
        {
            return;
        }
        var lines = _lines.GetOrAdd(resource, _ => new ConcurrentQueue<string>());
        _watchers.Add(Task.Run(async () =>
        {
            await foreach (var batch in _logs.WatchAsync(resourceId).WithCancellation(_stop.Token))
            {
                foreach (var line in batch)
                {
                    lines.Enqueue(line.Content);
                }
            }
        }));
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try
        {
            await Task.WhenAll(_watchers);
        }
        catch (OperationCanceledException)
        {
            // How every watcher ends.
        }
        _stop.Dispose();
    }
}
