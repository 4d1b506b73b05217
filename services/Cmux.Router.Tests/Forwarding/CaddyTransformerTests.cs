using Cmux.Router.Forwarding;
using Cmux.Router.Loops;
using Cmux.Router.Routing;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Cmux.Router.Tests.Forwarding;

public sealed class CaddyTransformerTests
{
    private const string Destination = "http://cmux-200.lan:39375";

    private static Task<HttpRequestMessage> TransformAsync(RouterProfile profile, string rawTarget, params (string Name, string Value)[] headers) =>
        TransformAsync(profile, null, rawTarget, headers);

    private static async Task<HttpRequestMessage> TransformAsync(RouterProfile profile, HopMark? mark, string rawTarget, params (string Name, string Value)[] headers)
    {
        var context = new DefaultHttpContext();
        context.Features.GetRequiredFeature<IHttpRequestFeature>().RawTarget = rawTarget;
        context.Request.Method = "GET";
        context.Request.Scheme = "http";
        context.Request.Path = "/ignored";
        context.Connection.RemoteIpAddress = System.Net.IPAddress.Parse("192.0.2.7");
        foreach (var (name, value) in headers)
        {
            context.Request.Headers.Append(name, value);
        }
        var proxyRequest = new HttpRequestMessage();
        await new CaddyTransformer(profile, mark).TransformRequestAsync(context, proxyRequest, Destination, CancellationToken.None);
        return proxyRequest;
    }

    private static string? Header(HttpRequestMessage request, string name) =>
        request.Headers.NonValidated.TryGetValues(name, out var values) ? string.Join(",", values) : null;

    [Theory]
    [Trait(Category.Name, Category.Unit)]
    [Trait(Feature.Name, Feature.Router)]
    [InlineData("/a/../b/./c//d%2F?x=%20+y", "/a/../b/./c//d%2F?x=%20+y")]
    [InlineData("http://other.example/p?q", "/p?q")]
    [InlineData("http://other.example?q", "/?q")]
    [InlineData("http://other.example", "/")]
    public async Task Target_goes_upstream_as_the_client_wrote_it(string rawTarget, string expected)
    {
        var request = await TransformAsync(RouterProfile.Seed, rawTarget, ("Host", "port-39375-vm-200.x"));
        request.RequestUri!.PathAndQuery.ShouldBe(expected);
        request.RequestUri.Authority.ShouldBe("cmux-200.lan:39375");
    }

    [Theory]
    [Trait(Category.Name, Category.Unit)]
    [Trait(Feature.Name, Feature.Router)]
    [InlineData("Host")]
    [InlineData("host, X-Hop")]
    [InlineData("X-Hop, HOST")]
    public async Task Headers_named_in_Connection_never_change_the_Host(string connection)
    {
        const string host = "port-39375-vm-200.example.com";
        var request = await TransformAsync(RouterProfile.Seed, "/", ("Host", host), ("Connection", connection), ("X-Hop", "1"));
        request.Headers.Host.ShouldBe(host);
        Header(request, "X-Forwarded-Host").ShouldBe(host);
        if (connection.Contains("X-Hop", StringComparison.Ordinal))
        {
            Header(request, "X-Hop").ShouldBeNull();
        }
    }

    [Fact]
    [Trait(Category.Name, Category.Unit)]
    [Trait(Feature.Name, Feature.Router)]
    public async Task Forwarded_requests_carry_the_processes_via_entry_after_the_clients()
    {
        var mark = new HopMark("0123456789abcdef");
        var request = await TransformAsync(RouterProfile.Seed, mark, "/", ("Host", "port-39375-vm-200.x"), ("Via", "1.1 edge"));
        Header(request, "Via").ShouldBe("1.1 edge,1.1 cmux-router-0123456789abcdef");
    }

    [Fact]
    [Trait(Category.Name, Category.Unit)]
    [Trait(Feature.Name, Feature.Router)]
    public async Task Host_is_kept_verbatim_and_forwarded_headers_replace_the_clients()
    {
        var request = await TransformAsync(RouterProfile.Seed, "/", ("Host", "port-39375-vm-200.xn--bcher-kva.EXAMPLE:8080"),
            ("X-Forwarded-For", "203.0.113.9"), ("X-Forwarded-Host", "evil"), ("X-Forwarded-Proto", "https"));
        request.Headers.Host.ShouldBe("port-39375-vm-200.xn--bcher-kva.EXAMPLE:8080");
        Header(request, "X-Forwarded-For").ShouldBe("192.0.2.7");
        Header(request, "X-Forwarded-Host").ShouldBe("port-39375-vm-200.xn--bcher-kva.EXAMPLE:8080");
        Header(request, "X-Forwarded-Proto").ShouldBe("http");
    }

    [Fact]
    [Trait(Category.Name, Category.Unit)]
    [Trait(Feature.Name, Feature.Router)]
    public async Task Hop_by_hop_headers_and_those_connection_names_are_dropped_but_te_trailers_survives()
    {
        var request = await TransformAsync(RouterProfile.Seed, "/", ("Host", "h"), ("Connection", "keep-alive, X-Hop"),
            ("X-Hop", "1"), ("Keep-Alive", "timeout=5"), ("Proxy-Connection", "keep-alive"), ("TE", "trailers, gzip"), ("X-Kept", "yes"));
        Header(request, "X-Hop").ShouldBeNull();
        Header(request, "Keep-Alive").ShouldBeNull();
        Header(request, "Proxy-Connection").ShouldBeNull();
        Header(request, "Connection").ShouldBeNull();
        Header(request, "TE").ShouldBe("trailers");
        Header(request, "X-Kept").ShouldBe("yes");
    }

    [Fact]
    [Trait(Category.Name, Category.Unit)]
    [Trait(Feature.Name, Feature.Router)]
    public async Task Cmux_profile_sends_the_upstreams_own_name_as_host_and_the_clients_as_forwarded_host()
    {
        // cmux's Caddyfile: header_up Host {upstream_hostport}; X-Forwarded-Proto is Caddy's own scheme.
        var request = await TransformAsync(RouterProfile.Cmux, "/", ("Host", "port-39375-pvelxc-1a2b3c4d.example.test"));
        request.Headers.Host.ShouldBe("cmux-200.lan:39375");
        Header(request, "X-Forwarded-Host").ShouldBe("port-39375-pvelxc-1a2b3c4d.example.test");
        Header(request, "X-Forwarded-Proto").ShouldBe("http");
    }

    [Theory]
    [Trait(Category.Name, Category.Unit)]
    [Trait(Feature.Name, Feature.Router)]
    [InlineData("/caf\u00e9?q=\u00e9", "/caf%C3%A9?q=\u00e9")]
    [InlineData("/a%2Fb/caf\u00e9", "/a/b/caf%C3%A9")]
    [InlineData("/a%2Fb%20c", "/a%2Fb%20c")]
    [InlineData("/%e9", "/%e9")]
    [InlineData("/x;y=1/[a]", "/x;y=1/[a]")]
    public void Paths_go_upstream_as_go_escapes_them(string raw, string expected) =>
        GoTarget.Escape(raw).ShouldBe(expected);

    [Theory]
    [Trait(Category.Name, Category.Unit)]
    [Trait(Feature.Name, Feature.Router)]
    [InlineData("/%zz", true)]
    [InlineData("/a%", true)]
    [InlineData("/a%2", true)]
    [InlineData("/a%2F?q=%zz", false)]
    [InlineData("*", false)]
    [InlineData("http://h/%zz", true)]
    public void Bad_escapes_in_the_path_are_found(string raw, bool bad) => GoTarget.HasBadEscape(raw).ShouldBe(bad);

    [Fact]
    [Trait(Category.Name, Category.Unit)]
    [Trait(Feature.Name, Feature.Router)]
    public async Task Cmux_profile_strips_framing_and_cors_headers_and_opens_cors()
    {
        var context = new DefaultHttpContext();
        using var upstream = new HttpResponseMessage(System.Net.HttpStatusCode.OK);
        upstream.Headers.TryAddWithoutValidation("X-Frame-Options", "DENY");
        upstream.Headers.TryAddWithoutValidation("Content-Security-Policy", "frame-ancestors 'none'");
        upstream.Headers.TryAddWithoutValidation("Cross-Origin-Opener-Policy", "same-origin");
        upstream.Headers.TryAddWithoutValidation("Access-Control-Allow-Origin", "https://only.example");
        upstream.Headers.TryAddWithoutValidation("X-Kept", "yes");
        await new CaddyTransformer(RouterProfile.Cmux).TransformResponseAsync(context, upstream, CancellationToken.None);
        var headers = context.Response.Headers;
        headers.ContainsKey("X-Frame-Options").ShouldBeFalse();
        headers.ContainsKey("Content-Security-Policy").ShouldBeFalse();
        headers.ContainsKey("Cross-Origin-Opener-Policy").ShouldBeFalse();
        headers.AccessControlAllowOrigin.ToString().ShouldBe("*");
        headers.AccessControlAllowMethods.ToString().ShouldBe("GET, POST, PUT, DELETE, PATCH, OPTIONS, HEAD");
        headers.AccessControlAllowHeaders.ToString().ShouldBe("*");
        headers.AccessControlExposeHeaders.ToString().ShouldBe("*");
        headers["X-Kept"].ToString().ShouldBe("yes");
    }
}
