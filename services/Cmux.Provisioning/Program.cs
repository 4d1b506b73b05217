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
return await ProvisioningCommand.RunAsync(options, Console.Out, Console.Error);
