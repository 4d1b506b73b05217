using System.Text.Json.Nodes;
using Cmux.Cloudflare;
using Cmux.Cloudflare.Api;

namespace Cmux.Provisioning;

/// <summary>What a run did (or, dry, would do).</summary>
public sealed record ProvisioningResult(string? TunnelId, string? TunnelToken, IReadOnlyList<string> Changes, ServiceToken? NewServiceToken);

/// <summary>
/// The cloud part of the seed's <c>pve-tunnel-setup.sh</c>, made idempotent: find the tunnel by name
/// or create it, fetch its token, put the ingress (<c>pve.{domain}</c> to the PVE API without TLS
/// verification, <c>*.{domain}</c> to the router, a 404 catch-all) only if it differs, and create or
/// update the proxied CNAMEs <c>*</c> and <c>pve</c> to <c>{tunnel}.cfargotunnel.com</c>. Optionally
/// <c>*.{domain}</c> behind Access with a Service Auth policy for one service token. A second run
/// changes nothing; a dry run reads, plans and writes nothing.
/// </summary>
public sealed class TunnelProvisioner(CloudflareApiClient api, ProvisioningOptions options, TextWriter log)
{
    private readonly List<string> _changes = [];

    public async Task<ProvisioningResult> RunAsync(CancellationToken ct = default)
    {
        var tunnel = await EnsureTunnelAsync(ct);
        var token = tunnel is null ? null : await api.GetTunnelTokenAsync(tunnel.Id, ct);
        var target = TunnelNames.CnameTarget(tunnel?.Id ?? "<new tunnel>");
        if (tunnel is not null)
        {
            await EnsureIngressAsync(tunnel.Id, ct);
        }
        else
        {
            Change("put the ingress configuration (version 1)");
        }
        await EnsureCnameAsync("*", target, ct);
        await EnsureCnameAsync("pve", target, ct);
        var serviceToken = options.Access ? await EnsureAccessAsync(ct) : null;
        log.WriteLine(options.DryRun
            ? $"dry run: {_changes.Count} change(s) planned, nothing written"
            : $"{_changes.Count} change(s) made");
        return new ProvisioningResult(tunnel?.Id, token, _changes, serviceToken);
    }

    /// <summary>The ingress <see cref="RunAsync"/> puts: the exact PVE name first, since <c>*.{domain}</c> matches it too.</summary>
    public static JsonObject DesiredIngress(ProvisioningOptions options) => new()
    {
        ["ingress"] = new JsonArray(
            new JsonObject
            {
                ["hostname"] = $"pve.{options.Domain}",
                ["service"] = Origin(options.PveOrigin),
                ["originRequest"] = new JsonObject { ["noTLSVerify"] = true },
            },
            new JsonObject { ["hostname"] = $"*.{options.Domain}", ["service"] = Origin(options.RouterOrigin) },
            new JsonObject { ["service"] = "http_status:404" }),
    };

    // cloudflared refuses a service URL with a path, even "/".
    private static string Origin(Uri uri) => uri.GetLeftPart(UriPartial.Authority);

    private async Task<Tunnel?> EnsureTunnelAsync(CancellationToken ct)
    {
        var existing = (await api.ListTunnelsAsync(options.TunnelName, isDeleted: false, ct)).FirstOrDefault(t => t.Name == options.TunnelName);
        if (existing is not null)
        {
            Unchanged($"tunnel {options.TunnelName} ({existing.Id})");
            return existing;
        }
        return await ApplyAsync($"create tunnel {options.TunnelName}", () => api.CreateTunnelAsync(options.TunnelName, ct));
    }

    private async Task EnsureIngressAsync(string tunnelId, CancellationToken ct)
    {
        var desired = DesiredIngress(options);
        var current = await api.GetTunnelConfigurationAsync(tunnelId, ct);
        if (current.Config?["ingress"] is { } ingress && JsonNode.DeepEquals(ingress, desired["ingress"]))
        {
            Unchanged($"ingress configuration (version {current.Version})");
            return;
        }
        await ApplyAsync($"put the ingress configuration (version {current.Version + 1})", () => api.PutTunnelConfigurationAsync(tunnelId, desired, ct));
    }

    private async Task EnsureCnameAsync(string name, string target, CancellationToken ct)
    {
        var fqdn = $"{name}.{options.Domain}";
        var records = await api.ListDnsRecordsAsync(fqdn, ct: ct);
        var desired = new DnsRecord { Type = "CNAME", Name = fqdn, Content = target, Proxied = true, Ttl = 1 };
        if (records.FirstOrDefault(r => r.Type == "CNAME") is not { } cname)
        {
            await ApplyAsync($"create CNAME {fqdn} -> {target} (proxied)", () => api.CreateDnsRecordAsync(desired, ct));
        }
        else if (string.Equals(cname.Content, target, StringComparison.OrdinalIgnoreCase) && cname.Proxied == true)
        {
            Unchanged($"CNAME {fqdn} -> {target}");
        }
        else
        {
            await ApplyAsync($"update CNAME {fqdn}: {cname.Content} (proxied {cname.Proxied}) -> {target} (proxied)",
                () => api.UpdateDnsRecordAsync(cname.Id, desired, ct));
        }
    }

    private async Task<ServiceToken?> EnsureAccessAsync(CancellationToken ct)
    {
        var domain = $"*.{options.Domain}";
        var token = (await api.ListServiceTokensAsync(ct)).FirstOrDefault(t => t.Name == options.ServiceTokenName);
        ServiceToken? created = null;
        if (token is null)
        {
            token = created = await ApplyAsync($"create service token {options.ServiceTokenName}", () => api.CreateServiceTokenAsync(options.ServiceTokenName, ct));
        }
        else
        {
            Unchanged($"service token {options.ServiceTokenName} ({token.ClientId}; its secret was shown only when it was created)");
        }

        var app = (await api.ListAccessApplicationsAsync(ct)).FirstOrDefault(a => a.Domain == domain);
        if (app is null)
        {
            app = await ApplyAsync($"create Access application {domain}", () => api.CreateAccessApplicationAsync($"cmux sandboxes ({domain})", domain, ct));
        }
        else
        {
            Unchanged($"Access application {domain}");
        }

        var rule = new JsonObject { ["service_token"] = new JsonObject { ["token_id"] = token?.Id ?? "<new token>" } };
        if (app?.Policies?.Any(p => p.Decision == "non_identity" && p.Include.Any(r => JsonNode.DeepEquals(r, rule))) == true)
        {
            Unchanged($"Service Auth policy for {options.ServiceTokenName}");
        }
        else
        {
            var policy = new AccessPolicy { Name = $"service token {options.ServiceTokenName}", Decision = "non_identity", Include = [rule] };
            await ApplyAsync($"create Service Auth policy for {options.ServiceTokenName} on {domain}",
                () => api.CreateAccessPolicyAsync(app!.Id, policy, ct));
        }
        return created;
    }

    /// <summary>Records a change and makes it, unless this is a dry run (then the result is null).</summary>
    private async Task<T?> ApplyAsync<T>(string description, Func<Task<T>> apply) where T : class
    {
        Change(description);
        return options.DryRun ? null : await apply();
    }

    private void Change(string description)
    {
        _changes.Add(description);
        log.WriteLine($"{(options.DryRun ? "plan" : "change")}: {description}");
    }

    private void Unchanged(string description) => log.WriteLine($"unchanged: {description}");
}
