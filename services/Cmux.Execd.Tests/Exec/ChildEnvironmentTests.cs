using System.Net.Http.Json;
using System.Text.Json;

namespace Cmux.Execd.Tests.Exec;

/// <summary>A command's environment is execd's without execd's own settings and secrets.</summary>
[Trait(Category.Name, Category.Unit)]
[Trait(Feature.Name, Feature.Exec)]
public sealed class ChildEnvironmentTests
{
    [Fact]
    public async Task Commands_do_not_see_execds_settings_token_or_telemetry_key()
    {
        var environment = new Dictionary<string, string>
        {
            ["Execd__AuthToken"] = "tok-9f3e2a",
            ["Execd__MaxOutputBytes"] = "1048576",
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            ["DOTNET_gcServer"] = "0",
            ["OTEL_EXPORTER_OTLP_HEADERS"] = "x-otlp-api-key=otlp-7c1d",
            ["CMUX_SANDBOX_ADDRESS"] = "127.1.0.9",
        };
        await using var execd = await ExecdProcess.StartAsync(ExecdProfile.Cmux, environment);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/exec") { Content = JsonContent.Create(new { command = "env" }) };
        request.Headers.TryAddWithoutValidation("Authorization", "Bearer tok-9f3e2a");

        using var response = await execd.Client.SendAsync(request);

        response.EnsureSuccessStatusCode();
        var lines = (await response.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => JsonDocument.Parse(line).RootElement)
            .Where(e => e.GetProperty("type").GetString() == "stdout")
            .Select(e => e.GetProperty("data").GetString()!)
            .ToList();
        lines.ShouldContain("CMUX_SANDBOX_ADDRESS=127.1.0.9");
        lines.ShouldContain(l => l.StartsWith("PATH=", StringComparison.Ordinal));
        string.Join('\n', lines).ShouldNotContain("tok-9f3e2a");
        string.Join('\n', lines).ShouldNotContain("otlp-7c1d");
        lines.ShouldNotContain(l => l.StartsWith("Execd__", StringComparison.OrdinalIgnoreCase)
            || l.StartsWith("ASPNETCORE_", StringComparison.Ordinal) || l.StartsWith("DOTNET_", StringComparison.Ordinal)
            || l.StartsWith("OTEL_", StringComparison.Ordinal));
    }
}
