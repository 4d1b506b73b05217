using System.Net;
using System.Text.RegularExpressions;
using Cmux.Conformance.Providers;

namespace Cmux.Conformance.Tests.Suite;

/// <summary>What the suite must know of a provider beyond its driver: its documented answers.</summary>
public sealed record ProviderExpectations(
    Regex UrlPattern,
    string Domain,
    HttpStatusCode UnknownSandboxStatus,
    HttpStatusCode ClosedPortStatus,
    SandboxHandle Nonexistent,
    bool StopDestroys,
    TimeSpan? WebSocketIdleTimeout = null,
    BrowserRoute? Browser = null);

/// <summary>
/// How Chromium reaches the provider's URLs: a host-resolver rule (fake mode maps the domain to
/// the loopback edge or gateway) and a CA to trust (the run's), or neither in real mode.
/// </summary>
public sealed record BrowserRoute(string? HostResolverRules, string? TrustedCaPem);

/// <summary>
/// One provider under test for the whole run: its driver, capabilities, expectations, a shared
/// sandbox created on first use, and clients that reach its public URLs.
/// </summary>
public sealed class ProviderSession(
    ISandboxProvider provider,
    IReadOnlySet<string> capabilities,
    ProviderExpectations expectations,
    string? unavailableReason = null) : IAsyncDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly List<SandboxHandle> _created = [];
    private SandboxHandle? _shared;
    private HttpMessageInvoker? _invoker;

    public ISandboxProvider Provider => provider;
    public string Name => provider.Name;
    public IReadOnlySet<string> Capabilities => capabilities;
    public ProviderExpectations Expectations => expectations;

    /// <summary>Why this provider cannot be tested in this run (for example no API key); null when it can.</summary>
    public string? UnavailableReason => unavailableReason;

    /// <summary>The sandbox most checks share; created once, deleted when the run ends.</summary>
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

    /// <summary>Creates a sandbox this run owns: the run deletes it at the end if the check did not.</summary>
    public async Task<SandboxHandle> CreateSandboxAsync(CancellationToken ct)
    {
        var sandbox = await provider.CreateAsync(ct);
        lock (_created)
        {
            _created.Add(sandbox);
        }
        return sandbox;
    }

    /// <summary>One invoker for HTTP and websockets to this provider's URLs (connection pooling across checks).</summary>
    public HttpMessageInvoker Invoker => _invoker ??= new HttpMessageInvoker(provider.CreateHttpHandler(), disposeHandler: true);

    /// <summary>A client for the provider's URLs, with its credentials unless <paramref name="authenticated"/> is false.</summary>
    public HttpClient CreateClient(bool authenticated = true)
    {
        var client = new HttpClient(provider.CreateHttpHandler(), disposeHandler: true) { Timeout = TimeSpan.FromSeconds(60) };
        if (authenticated)
        {
            foreach (var (name, value) in provider.AuthHeaders)
            {
                client.DefaultRequestHeaders.TryAddWithoutValidation(name, value);
            }
        }
        return client;
    }

    public async ValueTask DisposeAsync()
    {
        List<SandboxHandle> created;
        lock (_created)
        {
            created = [.. _created];
        }
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        foreach (var sandbox in created)
        {
            await provider.DeleteAsync(sandbox, cts.Token);
        }
        _invoker?.Dispose();
        _gate.Dispose();
    }
}
