using System.Net;
using System.Net.Http.Json;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Cmux.Cloudflare.Api;
using Cmux.Fakes.Cloudflare;
using Cmux.Fakes.Edge.Access;
using Cmux.Fakes.RunPki;
using Cmux.Provisioning;
using Cmux.ServiceDefaults;

namespace Cmux.Fakes.Edge.Tests;

/// <summary>
/// Cloudflare in a box for one test class: the fake API, provisioned as the AppHost does (tunnel,
/// ingress, DNS, and Access with a service token), an echo origin standing for the router and the
/// PVE API, and the edge in front. Clients reach the edge by name, as on the internet, and trust
/// only the run's CA.
/// </summary>
public sealed class EdgeStack : IAsyncLifetime
{
    public const string Domain = FakeAccount.Domain;
    public const string CustomHostname = "*.custom." + Domain;
    public static readonly TimeSpan WebSocketIdleTimeout = TimeSpan.FromSeconds(1.5);
    private static readonly TimeSpan WaitLimit = TimeSpan.FromSeconds(15);

    private readonly string _caDirectory = Directory.CreateTempSubdirectory("cmux-edge-ca-").FullName;
    private readonly List<InProcessApp> _edges = [];
    private HttpClient _apiHttp = null!;

    public InProcessApp Api { get; private set; } = null!;
    public CloudflareApiClient ApiClient { get; private set; } = null!;
    public InProcessApp Origin { get; private set; } = null!;
    public InProcessApp Edge { get; private set; } = null!;
    public RunCertificateAuthority Ca { get; private set; } = null!;
    public ProvisioningResult Provisioned { get; private set; } = null!;
    public ServiceToken ServiceToken => Provisioned.ServiceToken!;

    public async Task InitializeAsync()
    {
        Api = await InProcessApp.StartAsync(CloudflareFakeApp.Build);
        _apiHttp = FakeAccount.CreateHttpClient(Api.Url);
        ApiClient = FakeAccount.CreateClient(_apiHttp);
        Origin = await EchoOrigin.StartAsync();
        Provisioned = await new TunnelProvisioner(ApiClient, new ProvisioningOptions
        {
            AccountId = FakeAccount.AccountId,
            ZoneId = FakeAccount.ZoneId,
            Domain = Domain,
            RouterOrigin = Origin.Address("http"),
            PveOrigin = Origin.Address("https"),
            Access = true,
        }, TextWriter.Null).RunAsync();
        Edge = await StartEdgeAsync();
        Ca = RunCertificateAuthority.Load(_caDirectory);
    }

    /// <summary>Starts an edge on this stack's API (stopped with the stack); <paramref name="settings"/> override the defaults.</summary>
    public async Task<InProcessApp> StartEdgeAsync(IDictionary<string, string?>? settings = null)
    {
        var all = new Dictionary<string, string?>
        {
            ["urls"] = "https://127.0.0.1:0;http://127.0.0.1:0",
            ["Tls:CaDirectory"] = _caDirectory,
            ["Edge:Domain"] = Domain,
            ["Edge:ApiToken"] = FakeAccount.Token,
            ["Edge:AccountId"] = FakeAccount.AccountId,
            ["Edge:ZoneId"] = FakeAccount.ZoneId,
            ["Edge:CloudflareApi"] = CloudflareFakeApp.ApiUrl(Api.Url).ToString(),
            ["Edge:RefreshInterval"] = "00:00:00.100",
            ["Edge:WebSocketIdleTimeout"] = WebSocketIdleTimeout.ToString(),
            ["Edge:CustomHostnames:0"] = CustomHostname,
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            all[key] = value;
        }
        var edge = await InProcessApp.StartAsync(EdgeApp.Build, [.. all.Select(s => $"--{s.Key}={s.Value}")]);
        _edges.Add(edge);
        using var probe = new HttpClient { BaseAddress = edge.Address("http") };
        await WaitUntilAsync(async () => (await probe.GetAsync(ServiceDefaultsExtensions.HealthPath)).IsSuccessStatusCode, "the edge has read the API");
        return edge;
    }

    /// <summary>A client that resolves every name to the edge (HTTPS and, for <c>http://</c> URLs, HTTP) and trusts only the run's CA.</summary>
    public HttpClient CreateClient(InProcessApp? edge = null)
    {
        edge ??= Edge;
        return new HttpClient(RunPkiHandler.Create(Ca, url => edge.Endpoint(url.Scheme is "https" or "wss" ? "https" : "http")));
    }

    /// <summary>The run CA's verdict plus the TLS name check (one label per wildcard).</summary>
    public bool ValidateCertificate(object sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors) =>
        RunPkiHandler.Trusts(Ca, certificate, errors);

    /// <summary>A GET that carries the provisioned service token.</summary>
    public HttpRequestMessage Authorized(string url)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.Add(AccessGate.ClientIdHeader, ServiceToken.ClientId);
        request.Headers.Add(AccessGate.ClientSecretHeader, ServiceToken.ClientSecret);
        return request;
    }

    public static async Task<EchoedRequest> EchoAsync(HttpResponseMessage response)
    {
        response.StatusCode.ShouldBe(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<EchoedRequest>())!;
    }

    /// <summary>Polls <paramref name="condition"/> until it holds; fails with <paramref name="what"/> after a limit.</summary>
    public static async Task WaitUntilAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow + WaitLimit;
        while (true)
        {
            try
            {
                if (await condition())
                {
                    return;
                }
            }
            catch (HttpRequestException) when (DateTime.UtcNow < deadline)
            {
                // not up yet
            }
            if (DateTime.UtcNow >= deadline)
            {
                throw new TimeoutException($"waited {WaitLimit.TotalSeconds} s for: {what}");
            }
            await Task.Delay(50);
        }
    }

    public async Task DisposeAsync()
    {
        foreach (var edge in _edges)
        {
            await edge.DisposeAsync();
        }
        await Origin.DisposeAsync();
        _apiHttp.Dispose();
        await Api.DisposeAsync();
        Ca?.Dispose();
        Directory.Delete(_caDirectory, recursive: true);
    }
}
