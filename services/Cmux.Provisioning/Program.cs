using System.Text.Json;
using Cmux.Cloudflare.Api;
using Cmux.Provisioning;
using Cmux.ServiceDefaults;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;

// Usage: dotnet run --project services/Cmux.Provisioning [--dry-run] [--Provisioning:Key=value ...]
var dryRun = args.Contains("--dry-run");
var builder = Host.CreateApplicationBuilder(args.Where(a => a != "--dry-run").ToArray());
builder.AddServiceDefaults();
// The seed script's variables, for whoever runs this where the script ran.
builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
{
    ["Provisioning:ApiToken"] = builder.Configuration["Provisioning:ApiToken"] ?? Environment.GetEnvironmentVariable("CF_API_TOKEN"),
    ["Provisioning:AccountId"] = builder.Configuration["Provisioning:AccountId"] ?? Environment.GetEnvironmentVariable("CF_ACCOUNT_ID"),
    ["Provisioning:ZoneId"] = builder.Configuration["Provisioning:ZoneId"] ?? Environment.GetEnvironmentVariable("CF_ZONE_ID"),
    ["Provisioning:Domain"] = builder.Configuration["Provisioning:Domain"] ?? Environment.GetEnvironmentVariable("CF_DOMAIN"),
});
var options = builder.Configuration.GetSection(ProvisioningOptions.Section).Get<ProvisioningOptions>() ?? new ProvisioningOptions();
options.DryRun |= dryRun;
if (options.MissingSettings() is { } missing)
{
    Console.Error.WriteLine(missing);
    return 2;
}

using var host = builder.Build();
using var http = CloudflareApiClient.CreateHttpClient(options.ApiBaseUrl, options.ApiToken);
var api = new CloudflareApiClient(http, options.AccountId, options.ZoneId);
try
{
    var result = await new TunnelProvisioner(api, options, Console.Out).RunAsync();
    if (result.NewServiceToken is { } token)
    {
        // Cloudflare shows a secret once; so do we.
        Console.WriteLine($"service token: CF-Access-Client-Id: {token.ClientId}");
        Console.WriteLine($"service token: CF-Access-Client-Secret: {token.ClientSecret}");
    }
    if (options.OutputFile is { Length: > 0 } file && !options.DryRun)
    {
        await File.WriteAllTextAsync(file, JsonSerializer.Serialize(result, CloudflareJson.Options));
        Console.WriteLine($"wrote {file}");
    }
    return 0;
}
catch (Exception e) when (e is CloudflareApiException or HttpRequestException)
{
    Console.Error.WriteLine($"provisioning failed: {e.Message}");
    return 1;
}
