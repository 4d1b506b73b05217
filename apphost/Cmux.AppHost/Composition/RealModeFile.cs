using System.Globalization;
using System.Text;
using System.Text.Json;
using Cmux.Fakes.Cloudflare;
using Cmux.Fakes.Morph;
using Cmux.Fakes.Pve;
using Cmux.Fakes.RunPki;

namespace Cmux.AppHost.Composition;

/// <summary>
/// The fake stack's public endpoints as real mode's settings (README: real mode), written to
/// <c>{Cmux:RunDirectory}/real-mode.env</c> once the edge serves: the <c>KEY=value</c> file that
/// <c>CMUX_CONFIG</c> names. With it the suite's command line tests this stack as it would a homelab,
/// knowing nothing of Aspire: the dashboard's "Run conformance suite" does, the rehearsal test does,
/// and so can a user (<c>CMUX_CONFIG=… cmux-conformance run</c>). It holds the fakes' credentials and
/// the service token's secret, so only its owner may read it (0600).
/// </summary>
internal sealed class RealModeFile
{
    public const string Name = "real-mode.env";

    public required string RunDirectory { get; init; }
    public required string Profile { get; init; }
    public required string PveApi { get; init; }
    public required string CaDirectory { get; init; }
    public required TimeSpan EdgeIdleTimeout { get; init; }
    public required EndpointReference EdgeHttps { get; init; }
    public required EndpointReference Cloudflare { get; init; }
    public required EndpointReference Morph { get; init; }
    public required EndpointReference MorphGateway { get; init; }
    public required Func<string> RouterOrigin { get; init; }

    public string FilePath => Path.Combine(RunDirectory, Name);

    /// <summary>Writes the file; the service token comes from what the tunnel setup wrote, so call it after that finished.</summary>
    public void Write()
    {
        var ca = Path.Combine(CaDirectory, RunCertificateAuthority.CertificateFile);
        var (clientId, clientSecret) = ServiceToken(Path.Combine(RunDirectory, "tunnel-setup.json"));
        var variables = new (string Key, string Value)[]
        {
            ("CMUX_MODE", "real"),
            ("CMUX_PROFILE", Profile),
            ("CMUX_PVE_URL", PveApi),
            ("CMUX_PVE_CA_FILE", ca),
            ("CMUX_PVE_TOKEN_ID", PveFakeApp.Defaults["Pve:Auth:Tokens:0:Id"]!),
            ("CMUX_PVE_TOKEN_SECRET", PveFakeApp.Defaults["Pve:Auth:Tokens:0:Secret"]!),
            ("CMUX_PVE_NODE", "pve"),
            ("CMUX_PVE_TEMPLATE", "9000"),
            ("CMUX_DOMAIN", FakeAccount.Domain),
            ("CMUX_PUBLIC_SCHEME", "https"),
            ("CMUX_CONNECT_TO", $"{EdgeHttps.Host}:{EdgeHttps.Port}"),
            ("CMUX_CA_FILE", ca),
            ("CMUX_ACCESS_CLIENT_ID", clientId),
            ("CMUX_ACCESS_CLIENT_SECRET", clientSecret),
            ("CMUX_EDGE_IDLE_TIMEOUT", EdgeIdleTimeout.TotalSeconds.ToString(CultureInfo.InvariantCulture)),
            ("MORPH_API_URL", $"{Morph.Url}/api/"),
            ("MORPH_API_KEY", MorphFakeApp.DefaultApiKeys[0]),
            ("MORPH_SNAPSHOT_ID", MorphFakeApp.DefaultSnapshots[0]),
            ("MORPH_CONNECT_TO", $"{MorphGateway.Host}:{MorphGateway.Port}"),
            ("CF_API_URL", $"{Cloudflare.Url}/client/v4"),
            ("CF_API_TOKEN", FakeAccount.Token),
            ("CF_ACCOUNT_ID", FakeAccount.AccountId),
            ("CF_ZONE_ID", FakeAccount.ZoneId),
            ("CMUX_TUNNEL_ROUTER_ORIGIN", RouterOrigin()),
            ("CMUX_TUNNEL_PVE_ORIGIN", PveApi),
            ("CMUX_TUNNEL_ACCESS", "1"),
        };
        var text = new StringBuilder("# The composed fake stack as real mode's settings (CMUX_CONFIG); written by the AppHost for this run only.\n");
        foreach (var (key, value) in variables)
        {
            text.Append(key).Append('=').Append(value).Append('\n');
        }
        // Created 0600 before a byte is written: the secrets are never readable by others, even briefly.
        var temporary = FilePath + ".tmp";
        File.Delete(temporary);
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }
        using (var stream = new FileStream(temporary, options))
        {
            stream.Write(Encoding.UTF8.GetBytes(text.ToString()));
        }
        File.Move(temporary, FilePath, overwrite: true);
    }

    private static (string ClientId, string ClientSecret) ServiceToken(string tunnelSetupOutput)
    {
        using var json = JsonDocument.Parse(File.ReadAllText(tunnelSetupOutput));
        if (!json.RootElement.TryGetProperty("service_token", out var token) || token.ValueKind != JsonValueKind.Object)
        {
            throw new InvalidOperationException($"{tunnelSetupOutput} has no service token: was Access provisioned?");
        }
        var secret = token.TryGetProperty("client_secret", out var s) ? s.GetString() : null;
        return (token.GetProperty("client_id").GetString() ?? "",
            secret ?? throw new InvalidOperationException($"{tunnelSetupOutput} did not record the service token's secret"));
    }
}
