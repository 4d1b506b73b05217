using System.Text.Json;
using System.Text.Json.Nodes;
using Cmux.Cloudflare;
using Cmux.Cloudflare.Api;

namespace Cmux.Provisioning;

/// <summary>
/// What a run did (or, dry, would do), as the output file holds it. <see cref="ServiceToken"/> is the
/// Access service token, with its secret when this run knows it: issued or rotated now, or saved by
/// an earlier run in the output file.
/// </summary>
public sealed record ProvisioningResult(string? TunnelId, string? TunnelToken, IReadOnlyList<string> Changes, ServiceToken? ServiceToken);

/// <summary>
/// The cloud part of the seed's <c>pve-tunnel-setup.sh</c>, made idempotent and safe to stop: find
/// the tunnel by name or create it, fetch its token, put the ingress (<c>pve.{domain}</c> to the PVE
/// API without TLS verification, <c>*.{domain}</c> to the router, a 404 catch-all) only if it
/// differs; with Access, the service token, the <c>*.{domain}</c> application and its Service Auth
/// policy; and only then create or update the proxied CNAMEs <c>*</c> and <c>pve</c> to
/// <c>{tunnel}.cfargotunnel.com</c>. So a run stopped at any step never leaves a name public without
/// the Access it asked for; secrets are saved (0600) the moment they are issued; a rerun converges.
/// A second run changes nothing; a dry run reads, plans and writes nothing.
/// </summary>
public sealed class TunnelProvisioner(CloudflareApiClient api, ProvisioningOptions options, TextWriter log)
{
    private readonly List<string> _changes = [];
    private readonly List<string> _existing = [];
    private string _step = "starting";
    private bool _dnsTouched;
    private bool _accessInPlace;
    private string? _tunnelId;
    private string? _tunnelToken;
    private ServiceToken? _serviceToken;

    private string? OutputFile => options.OutputFile is { Length: > 0 } file && !options.DryRun ? file : null;

    public async Task<ProvisioningResult> RunAsync(CancellationToken ct = default)
    {
        try
        {
            return await ProvisionAsync(ct);
        }
        catch (Exception e) when (e is CloudflareApiException or HttpRequestException or IOException or UnauthorizedAccessException or JsonException
            || (e is TaskCanceledException && !ct.IsCancellationRequested))
        {
            throw new ProvisioningException(_step, [.. _existing], _dnsTouched, e);
        }
    }

    private async Task<ProvisioningResult> ProvisionAsync(CancellationToken ct)
    {
        // Keep what an earlier run saved (a secret may live only there), and prove the file can be
        // written before anything is created whose secret would need it.
        if (OutputFile is { } outputFile && ProvisioningOutput.Read(outputFile) is { } earlier)
        {
            (_tunnelId, _tunnelToken, _serviceToken) = (earlier.TunnelId, earlier.TunnelToken, earlier.ServiceToken);
        }
        _step = "writing the output file";
        Save();

        _step = "looking up or creating the tunnel";
        var tunnel = await EnsureTunnelAsync(ct);
        if (tunnel is not null)
        {
            _tunnelId = tunnel.Id;
            _existing.Add($"tunnel {tunnel.Name} ({tunnel.Id})");
            _step = "fetching the tunnel token";
            _tunnelToken = await api.GetTunnelTokenAsync(tunnel.Id, ct);
            Save();
            _existing.Add(OutputFile is { } tokenFile ? $"tunnel token (saved in {tokenFile})" : "tunnel token (not saved: no output file)");
            _step = "putting the ingress configuration";
            await EnsureIngressAsync(tunnel.Id, ct);
        }
        else
        {
            Change("put the ingress configuration (version 1)");
        }

        if (options.Access)
        {
            await EnsureAccessAsync(ct);
        }

        // The gate: with Access asked for, no record is created or changed unless the application
        // and its policy are in place (a dry run plans them instead).
        if (options.Access && !options.DryRun && !_accessInPlace)
        {
            throw new InvalidOperationException("Access is not in place; refusing to publish DNS records");
        }
        var target = TunnelNames.CnameTarget(tunnel?.Id ?? "<new tunnel>");
        await EnsureCnameAsync("*", target, ct);
        await EnsureCnameAsync("pve", target, ct);
        _step = "writing the output file";
        Save();
        log.WriteLine(options.DryRun
            ? $"dry run: {_changes.Count} change(s) planned, nothing written"
            : $"{_changes.Count} change(s) made");
        return Result();
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

    private ProvisioningResult Result() => new(_tunnelId, _tunnelToken, [.. _changes], _serviceToken);

    private void Save()
    {
        if (OutputFile is { } file)
        {
            ProvisioningOutput.Write(file, Result());
        }
    }

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
            _existing.Add($"ingress configuration (version {current.Version})");
            return;
        }
        var put = await ApplyAsync($"put the ingress configuration (version {current.Version + 1})", () => api.PutTunnelConfigurationAsync(tunnelId, desired, ct));
        if (put is not null)
        {
            _existing.Add($"ingress configuration (version {put.Version})");
        }
    }

    private async Task EnsureCnameAsync(string name, string target, CancellationToken ct)
    {
        var fqdn = $"{name}.{options.Domain}";
        _step = $"looking up the CNAME {fqdn}";
        var records = await api.ListDnsRecordsAsync(fqdn, ct: ct);
        var desired = new DnsRecord { Type = "CNAME", Name = fqdn, Content = target, Proxied = true, Ttl = 1 };
        _step = $"creating or updating the CNAME {fqdn}";
        if (records.FirstOrDefault(r => r.Type == "CNAME") is not { } cname)
        {
            _dnsTouched = true;
            await ApplyAsync($"create CNAME {fqdn} -> {target} (proxied)", () => api.CreateDnsRecordAsync(desired, ct));
        }
        else if (string.Equals(cname.Content, target, StringComparison.OrdinalIgnoreCase) && cname.Proxied == true)
        {
            Unchanged($"CNAME {fqdn} -> {target}");
        }
        else
        {
            _dnsTouched = true;
            await ApplyAsync($"update CNAME {fqdn}: {cname.Content} (proxied {cname.Proxied}) -> {target} (proxied)",
                () => api.UpdateDnsRecordAsync(cname.Id, desired, ct));
        }
        _existing.Add($"CNAME {fqdn} -> {target} (proxied)");
    }

    private async Task EnsureAccessAsync(CancellationToken ct)
    {
        var domain = $"*.{options.Domain}";
        _step = "looking up or creating the Access service token";
        var token = await EnsureServiceTokenAsync(ct);

        _step = $"looking up or creating the Access application {domain}";
        var app = (await api.ListAccessApplicationsAsync(ct)).FirstOrDefault(a => a.Domain == domain);
        if (app is null)
        {
            app = await ApplyAsync($"create Access application {domain}", () => api.CreateAccessApplicationAsync($"cmux sandboxes ({domain})", domain, ct));
        }
        else
        {
            Unchanged($"Access application {domain}");
        }
        if (app is not null)
        {
            _existing.Add($"Access application {domain} ({app.Id})");
        }

        _step = $"creating the Service Auth policy on {domain}";
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
        _existing.Add($"Service Auth policy for {options.ServiceTokenName} on {domain}");
        _accessInPlace = !options.DryRun;
    }

    /// <summary>
    /// The token by name, or a new one. Cloudflare shows a secret only when it issues it, so an
    /// existing token is reused only if the output file holds its secret; with an output file that
    /// does not (an earlier run lost the answer, or the file was removed), the token is rotated: same
    /// id, client id and policy, a new secret saved at once. Without an output file an existing
    /// token is left alone: whoever ran the tool first was shown its secret.
    /// </summary>
    private async Task<ServiceToken?> EnsureServiceTokenAsync(CancellationToken ct)
    {
        var name = options.ServiceTokenName;
        var token = (await api.ListServiceTokensAsync(ct)).FirstOrDefault(t => t.Name == name);
        if (token is null)
        {
            token = await ApplyAsync($"create service token {name}", () => api.CreateServiceTokenAsync(name, ct));
            Issued(token);
        }
        else if (_serviceToken is { ClientSecret.Length: > 0 } saved && saved.Id == token.Id && saved.ClientId == token.ClientId)
        {
            Unchanged($"service token {name} ({token.ClientId}; its secret is in {OutputFile})");
            token = token with { ClientSecret = saved.ClientSecret };
            _serviceToken = token;
        }
        else if (OutputFile is { } file)
        {
            var existing = token;
            token = await ApplyAsync($"rotate service token {name} ({token.ClientId}): {file} does not hold its secret",
                () => api.RotateServiceTokenAsync(existing.Id, ct)) ?? token;
            Issued(token);
        }
        else
        {
            Unchanged($"service token {name} ({token.ClientId}; its secret was shown only when it was issued)");
            _serviceToken = token;
        }
        if (token is not null && !options.DryRun)
        {
            _existing.Add(OutputFile is { } secretFile
                ? $"service token {name} ({token.ClientId}; its secret saved in {secretFile})"
                : $"service token {name} ({token.ClientId})");
        }
        return token;
    }

    /// <summary>A secret was just issued: save it before the next call, or, with no output file, show it (once, as Cloudflare does).</summary>
    private void Issued(ServiceToken? token)
    {
        if (token?.ClientSecret is not { Length: > 0 })
        {
            return;
        }
        _serviceToken = token;
        _step = "saving the service token's secret";
        Save();
        if (OutputFile is null)
        {
            log.WriteLine($"service token: CF-Access-Client-Id: {token.ClientId}");
            log.WriteLine($"service token: CF-Access-Client-Secret: {token.ClientSecret}");
        }
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
