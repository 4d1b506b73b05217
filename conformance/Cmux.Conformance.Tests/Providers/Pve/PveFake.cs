using Cmux.Conformance.Providers.Pve;
using Cmux.Fakes.Pve;

namespace Cmux.Conformance.Tests.Providers.Pve;

/// <summary>The PVE fake in process for the provider's and the command line's tests, and the options that reach it.</summary>
public static class PveFake
{
    public const string TokenId = "root@pam!cmux";

    public static readonly string TokenSecret = PveFakeApp.Defaults["Pve:Auth:Tokens:0:Secret"]!;

    /// <summary>The fake with HTTPS beside HTTP, no sandboxes, tasks of 40 ms and a short auth delay.</summary>
    public static Task<InProcessApp> StartAsync(params string[] settings) => InProcessApp.StartAsync(PveFakeApp.Build,
        ["--Pve:HttpsUrl=https://127.0.0.1:0", "--Pve:SandboxHost=", "--Pve:Tasks:DefaultDuration=00:00:00.040", "--Pve:Auth:FailureDelay=00:00:00.05", .. settings]);

    /// <summary>The provider's options for <paramref name="pve"/>: its HTTPS API (its certificate not checked, as cmux does).</summary>
    public static PveProviderOptions Options(InProcessApp pve, string? tokenSecret = null) => new()
    {
        ApiUrl = pve.Address("https"),
        TokenId = TokenId,
        TokenSecret = tokenSecret ?? TokenSecret,
        Domain = "example.test",
        AcceptAnyApiCertificate = true,
        PollInterval = TimeSpan.FromMilliseconds(20),
        TaskTimeout = TimeSpan.FromSeconds(20),
        ReadyTimeout = null,
    };

    /// <summary>A client of <c>/api2/json/</c> with the default token.</summary>
    public static HttpClient Client(InProcessApp pve)
    {
        var client = new HttpClient { BaseAddress = new Uri(pve.Address("http"), "/api2/json/") };
        client.DefaultRequestHeaders.TryAddWithoutValidation("Authorization", $"PVEAPIToken={TokenId}={TokenSecret}");
        return client;
    }
}
