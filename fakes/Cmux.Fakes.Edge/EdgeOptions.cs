namespace Cmux.Fakes.Edge;

/// <summary>The edge's settings (section <c>Edge</c>); see README.md.</summary>
public sealed class EdgeOptions
{
    public const string Section = "Edge";

    /// <summary>The zone: the universal certificate covers <c>{Domain}</c> and <c>*.{Domain}</c>.</summary>
    public string Domain { get; set; } = "";
    /// <summary>Hostnames with a certificate of their own (Advanced Certificate Manager), e.g. <c>*.sub.example.test</c>.</summary>
    public string[] CustomHostnames { get; set; } = [];

    /// <summary>API v4 base address; <c>http://cloudflare/client/v4</c> resolves through Aspire's service discovery.</summary>
    public Uri CloudflareApi { get; set; } = new("http://cloudflare/client/v4");
    /// <summary>The account the edge reads, as the API knows it (the AppHost passes the fake's <c>FakeAccount</c>).</summary>
    public string ApiToken { get; set; } = "";
    public string AccountId { get; set; } = "";
    public string ZoneId { get; set; } = "";
    /// <summary>How often DNS, tunnel configurations and Access are re-read (cloudflared gets remote config pushed within seconds).</summary>
    public TimeSpan RefreshInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>The port in HTTP-to-HTTPS redirects (Aspire's public port of the https endpoint); 0 = the bound https port.</summary>
    public int HttpsPort { get; set; }
    /// <summary>Cloudflare closes websockets idle this long.</summary>
    public TimeSpan WebSocketIdleTimeout { get; set; } = TimeSpan.FromSeconds(100);
    /// <summary>Cloudflare answers 524 when an origin sends nothing for this long.</summary>
    public TimeSpan OriginResponseTimeout { get; set; } = TimeSpan.FromSeconds(100);
    /// <summary>Browser Integrity Check: refuse requests without a browser-like User-Agent (error 1010).</summary>
    public bool BlockNonBrowserUserAgents { get; set; }
    /// <summary>
    /// How long a verified service token is trusted without asking the API again (capped by the
    /// token's expiry). Revocation does not wait for it: a refresh that no longer shows the token
    /// as verified (deleted, rotated) ends it within <see cref="RefreshInterval"/>.
    /// </summary>
    public TimeSpan AccessCacheLifetime { get; set; } = TimeSpan.FromMinutes(5);
    /// <summary>The Zero Trust team: unauthenticated browsers go to <c>https://{team}.cloudflareaccess.com</c>.</summary>
    public string AccessTeamName { get; set; } = "cmux";
}
