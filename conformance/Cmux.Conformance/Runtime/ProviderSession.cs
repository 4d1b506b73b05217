using Cmux.Conformance.Probes;
using Cmux.Conformance.Providers;

namespace Cmux.Conformance.Runtime;

/// <summary>
/// One provider under test for the whole run: its driver, a sandbox the checks share (created on
/// first use), every sandbox the run created (deleted when the run ends), and clients that reach
/// its public URLs. A provider this run cannot test carries the reason instead of a driver.
/// </summary>
public sealed class ProviderSession : IAsyncDisposable
{
    private readonly ISandboxProvider? _provider;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly List<SandboxHandle> _created = [];
    private SandboxHandle? _shared;
    private ProbeDeployer? _probe;
    private bool _probed;
    private HttpMessageInvoker? _invoker;

    public ProviderSession(ISandboxProvider provider)
    {
        _provider = provider;
        Name = provider.Name;
    }

    private ProviderSession(string name, string reason)
    {
        Name = name;
        UnavailableReason = reason;
    }

    /// <summary>A provider this run cannot test; every check reports skipped with <paramref name="reason"/>.</summary>
    public static ProviderSession Unavailable(string name, string reason) => new(name, reason);

    public string Name { get; }

    /// <summary>Why this provider cannot be tested in this run (for example no API key); null when it can.</summary>
    public string? UnavailableReason { get; }

    public ISandboxProvider Provider => _provider ?? throw new InvalidOperationException($"{Name} is not available: {UnavailableReason}");

    /// <summary>What the report says of this provider's endpoints.</summary>
    public IReadOnlyDictionary<string, string> Describe() =>
        _provider?.Describe() ?? new Dictionary<string, string> { ["unavailable"] = UnavailableReason ?? "" };

    /// <summary>Every sandbox this run created on the provider, deleted or not.</summary>
    public IReadOnlyList<SandboxHandle> Created
    {
        get
        {
            lock (_created)
            {
                return [.. _created];
            }
        }
    }

    public async Task<SandboxHandle> SharedSandboxAsync(CancellationToken ct)
    {
        await _gate.WaitAsync(ct);
        try
        {
            return _shared ??= await CreateSandboxAsync(ct);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>The shared sandbox with the probe running in it (deployed on first use, removed when the run ends).</summary>
    public async Task<SandboxHandle> ProbedSandboxAsync(CancellationToken ct)
    {
        var sandbox = await SharedSandboxAsync(ct);
        await _gate.WaitAsync(ct);
        try
        {
            if (!_probed)
            {
                _probe ??= new ProbeDeployer(ProbeBinary.Load());
                await _probe.DeployAsync(Provider, sandbox, ct);
                _probed = true;
            }
            return sandbox;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// Creates a sandbox the run owns. A create, once begun, is finished (within its own bound) even
    /// when the run is stopped meanwhile, so the run knows the sandbox and deletes it at the end.
    /// </summary>
    public async Task<SandboxHandle> CreateSandboxAsync(CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        using var bound = new CancellationTokenSource(CreateBound);
        var sandbox = await Provider.CreateAsync(bound.Token);
        lock (_created)
        {
            _created.Add(sandbox);
        }
        ct.ThrowIfCancellationRequested();
        return sandbox;
    }

    /// <summary>How long one create may take, stopped run or not.</summary>
    public static readonly TimeSpan CreateBound = TimeSpan.FromMinutes(10);

    public HttpMessageInvoker Invoker => _invoker ??= new HttpMessageInvoker(Provider.CreateHttpHandler(), disposeHandler: true);

    public HttpClient CreateClient(bool authenticated = true)
    {
        var client = new HttpClient(Provider.CreateHttpHandler(), disposeHandler: true) { Timeout = TimeSpan.FromSeconds(60) };
        if (authenticated)
        {
            foreach (var (header, value) in Provider.AuthHeaders)
            {
                client.DefaultRequestHeaders.TryAddWithoutValidation(header, value);
            }
        }
        return client;
    }

    /// <summary>Deletes every sandbox the run created (deleting a deleted one succeeds): the ids deleted, and the failures.</summary>
    public async Task<(IReadOnlyList<string> Deleted, IReadOnlyList<string> Failures)> DeleteCreatedAsync(CancellationToken ct)
    {
        var deleted = new List<string>();
        var failures = new List<string>();
        if (_probed && _shared is { } shared)
        {
            try
            {
                await _probe!.RemoveAsync(Provider, shared, ct);
            }
            catch (Exception e) when (e is ProviderException or OperationCanceledException or HttpRequestException)
            {
                failures.Add($"{Name} {shared.Id}: removing the probe: {e.Message}");
            }
        }
        foreach (var sandbox in Created)
        {
            try
            {
                await Provider.DeleteAsync(sandbox, ct);
                deleted.Add(sandbox.Id);
            }
            catch (Exception e) when (e is ProviderException or OperationCanceledException or HttpRequestException)
            {
                failures.Add($"{Name} {sandbox.Id}: {e.Message}");
            }
        }
        return (deleted, failures);
    }

    public ValueTask DisposeAsync()
    {
        _invoker?.Dispose();
        (_provider as IDisposable)?.Dispose();
        _gate.Dispose();
        return ValueTask.CompletedTask;
    }
}
