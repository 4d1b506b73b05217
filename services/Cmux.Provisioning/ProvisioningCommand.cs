using Cmux.Cloudflare.Api;

namespace Cmux.Provisioning;

/// <summary>The console tool's run, apart from reading its settings: 0 done, 1 failed (saying what exists), 2 settings missing.</summary>
public static class ProvisioningCommand
{
    public static async Task<int> RunAsync(ProvisioningOptions options, TextWriter output, TextWriter error, HttpMessageHandler? handler = null, CancellationToken ct = default)
    {
        if (options.MissingSettings() is { } missing)
        {
            await error.WriteLineAsync(missing);
            return 2;
        }
        using var http = CloudflareApiClient.CreateHttpClient(options.ApiBaseUrl, options.ApiToken, handler);
        var api = new CloudflareApiClient(http, options.AccountId, options.ZoneId);
        try
        {
            await new TunnelProvisioner(api, options, output).RunAsync(ct);
            if (options.OutputFile is { Length: > 0 } file && !options.DryRun)
            {
                await output.WriteLineAsync($"wrote {file}");
            }
            return 0;
        }
        catch (ProvisioningException e)
        {
            await error.WriteLineAsync(e.Message);
            foreach (var thing in e.Existing)
            {
                await error.WriteLineAsync($"exists: {thing}");
            }
            await error.WriteLineAsync(e.DnsTouched
                ? "a DNS record may have been created or changed (a failed write may still have taken effect); with Access asked for, only once the Access listed above was in place"
                : "no DNS record was created or changed");
            await error.WriteLineAsync("run again to finish: the run converges from any step");
            return 1;
        }
    }
}
