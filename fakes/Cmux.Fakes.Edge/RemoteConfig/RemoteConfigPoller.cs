using Cmux.Cloudflare.Api;
using Cmux.Cloudflare.Ingress;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace Cmux.Fakes.Edge.RemoteConfig;

/// <summary>
/// Keeps <see cref="Current"/> in step with the API, as cloudflared follows a remotely managed
/// tunnel: DNS records, then the configuration of every tunnel they point at, then Access. A
/// failed refresh keeps the last good snapshot. Unhealthy until the first refresh succeeds.
/// </summary>
public sealed partial class RemoteConfigPoller(
    CloudflareApiClient api, IOptions<EdgeOptions> options, TimeProvider time, ILogger<RemoteConfigPoller> logger) : BackgroundService, IHealthCheck
{
    private readonly Lock _lock = new();
    private volatile EdgeSnapshot? _current;

    public EdgeSnapshot Current => _current ?? EdgeSnapshot.Empty;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.RefreshInterval);
        do
        {
            try
            {
                await RefreshAsync(stoppingToken);
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested && e is HttpRequestException or CloudflareApiException or TaskCanceledException)
            {
                LogRefreshFailed(logger, e.Message);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(_current is null
            ? HealthCheckResult.Unhealthy("the Cloudflare API has not been read yet")
            : HealthCheckResult.Healthy());

    /// <summary>Reads the API now (the timer does it every <see cref="EdgeOptions.RefreshInterval"/>); a reading never replaces a newer one.</summary>
    public async Task RefreshAsync(CancellationToken ct = default)
    {
        var snapshot = await FetchAsync(ct);
        lock (_lock)
        {
            if (_current is null || snapshot.FetchedAt >= _current.FetchedAt)
            {
                _current = snapshot;
            }
        }
    }

    private async Task<EdgeSnapshot> FetchAsync(CancellationToken ct)
    {
        var fetchedAt = time.GetUtcNow();
        var records = await api.ListDnsRecordsAsync(ct: ct);
        var ingress = new Dictionary<string, IngressConfiguration>(StringComparer.OrdinalIgnoreCase);
        foreach (var tunnelId in records.Select(EdgeSnapshot.TunnelId).OfType<string>().Distinct(StringComparer.OrdinalIgnoreCase))
        {
            var configuration = await TryGetConfigurationAsync(tunnelId, ct);
            if (configuration?.Config is { } config && IngressConfiguration.TryParse(config, out _) is { } parsed)
            {
                ingress[tunnelId] = parsed;
            }
        }
        var applications = await api.ListAccessApplicationsAsync(ct);
        var serviceTokens = await api.ListServiceTokensAsync(ct);
        return new EdgeSnapshot(records, ingress, applications, serviceTokens, fetchedAt);
    }

    // A record may point at a tunnel that is gone; that name then fails like an unconnected tunnel.
    private async Task<TunnelConfiguration?> TryGetConfigurationAsync(string tunnelId, CancellationToken ct)
    {
        try
        {
            return await api.GetTunnelConfigurationAsync(tunnelId, ct);
        }
        catch (CloudflareApiException e) when (e.Status == System.Net.HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Refreshing the edge configuration failed, keeping the last one: {Error}")]
    private static partial void LogRefreshFailed(ILogger logger, string error);
}
