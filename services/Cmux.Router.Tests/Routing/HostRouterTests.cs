using Cmux.Contract;
using Cmux.Router.Resolution;
using Cmux.Router.Routing;
using Microsoft.Extensions.Configuration;

namespace Cmux.Router.Tests.Routing;

public sealed class HostRouterTests
{
    private static readonly HostRouter Seed = new(new RouterOptions
    {
        Domain = "example.com",
        PveUpstream = new Uri("https://pve-host.lan:8006"),
    });

    private static readonly HostRouter Cmux = new(new RouterOptions { Profile = RouterProfile.Cmux, SearchDomain = "cmux.internal" });

    [Theory]
    [Trait(Category.Name, Category.Unit)]
    [Trait(Feature.Name, Feature.Router)]
    [InlineData(Profiles.Seed, RouterProfile.Seed)]
    [InlineData(Profiles.Cmux, RouterProfile.Cmux)]
    public void Router_Profile_takes_the_contracts_profile_names(string name, RouterProfile profile) =>
        new ConfigurationBuilder().AddInMemoryCollection([new("Profile", name)]).Build().Get<RouterOptions>()!.Profile.ShouldBe(profile);

    [Theory]
    [Trait(Category.Name, Category.Unit)]
    [Trait(Feature.Name, Feature.Router)]
    [InlineData("port-39378-vm-200.example.com", "http://cmux-200.lan:39378")]
    [InlineData("port-39378-vm-200.EXAMPLE.COM", "http://cmux-200.lan:39378")]
    [InlineData("port-39378-vm-200.a.b.example.com:8080", "http://cmux-200.lan:39378")]
    [InlineData("port-39378-vm-200.", "http://cmux-200.lan:39378")]
    [InlineData("port-018123-vm-200.x", "http://cmux-200.lan:18123")]
    [InlineData("port-5173-vm-0200.x", "http://cmux-0200.lan:5173")]
    [InlineData("port-1-vm-65535.x", "http://cmux-65535.lan:1")]
    public void Seed_profile_forwards_what_caddys_regexp_matches(string host, string destination)
    {
        var decision = Seed.Route(host);
        decision.Outcome.ShouldBe(RouteOutcome.Forward);
        decision.Kind.ShouldBe(RouteKind.Sandbox);
        decision.Destination.ShouldBe(destination);
    }

    [Theory]
    [Trait(Category.Name, Category.Unit)]
    [Trait(Feature.Name, Feature.Router)]
    [InlineData("example.com")]
    [InlineData("")]
    [InlineData("PORT-39378-VM-200.example.com")]
    [InlineData("port-39378-vm-200")]
    [InlineData("xport-39378-vm-200.example.com")]
    [InlineData("port--vm-200.example.com")]
    [InlineData("port-39378-vm-.example.com")]
    [InlineData("port-39378-vm-200x.example.com")]
    [InlineData("port-39378-vm-200-vm-300.example.com")]
    [InlineData("port-39378-pvelxc-1a2b3c4d.example.com")]
    [InlineData("port-39378-vm-200:8080")]
    [InlineData("[::1]:8080")]
    public void Seed_profile_answers_404_for_everything_else(string host) =>
        Seed.Route(host).Outcome.ShouldBe(RouteOutcome.NotFound);

    [Theory]
    [Trait(Category.Name, Category.Unit)]
    [Trait(Feature.Name, Feature.Router)]
    [InlineData("port-0-vm-200.x")]
    [InlineData("port-000-vm-200.x")]
    [InlineData("port-65536-vm-200.x")]
    [InlineData("port-99999-vm-200.x")]
    [InlineData("port-99999999999999999999-vm-200.x")]
    public void Ports_caddy_cannot_dial_are_an_empty_502(string host) =>
        Seed.Route(host).Outcome.ShouldBe(RouteOutcome.BadPort);

    [Theory]
    [Trait(Category.Name, Category.Unit)]
    [Trait(Feature.Name, Feature.Router)]
    [InlineData("pve.example.com")]
    [InlineData("PVE.Example.COM:8080")]
    public void Pve_host_is_matched_exactly_and_first(string host)
    {
        var decision = Seed.Route(host);
        decision.Kind.ShouldBe(RouteKind.Pve);
        decision.Destination.ShouldBe("https://pve-host.lan:8006");
    }

    [Theory]
    [Trait(Category.Name, Category.Unit)]
    [Trait(Feature.Name, Feature.Router)]
    [InlineData("pve.example.com.evil")]
    [InlineData("xpve.example.com")]
    [InlineData("pve.other.com")]
    public void Pve_route_does_not_match_lookalikes(string host) =>
        Seed.Route(host).Kind.ShouldNotBe(RouteKind.Pve);

    [Fact]
    [Trait(Category.Name, Category.Unit)]
    [Trait(Feature.Name, Feature.Router)]
    public void Pve_route_is_off_without_an_upstream() =>
        new HostRouter(new RouterOptions { Domain = "example.com" }).Route("pve.example.com").Outcome.ShouldBe(RouteOutcome.NotFound);

    [Theory]
    [Trait(Category.Name, Category.Unit)]
    [Trait(Feature.Name, Feature.Router)]
    [InlineData("port-39378-pvelxc-1a2b3c4d.example.test", "http://pvelxc-1a2b3c4d.cmux.internal:39378")]
    [InlineData("port-5173-vm-200.example.test", "http://vm-200.cmux.internal:5173")]
    [InlineData("port-80-5.x", "http://5.cmux.internal:80")]
    public void Cmux_profile_forwards_any_lower_case_id(string host, string destination) =>
        Cmux.Route(host).Destination.ShouldBe(destination);

    [Theory]
    [Trait(Category.Name, Category.Unit)]
    [Trait(Feature.Name, Feature.Router)]
    [InlineData("port-39378-PVELXC-1a2b3c4d.example.test")]
    [InlineData("port-39378-.example.test")]
    [InlineData("port-39378-pve_lxc.example.test")]
    [InlineData("port-39378.example.test")]
    public void Cmux_profile_answers_404_for_other_ids(string host) =>
        Cmux.Route(host).Outcome.ShouldBe(RouteOutcome.NotFound);

    [Fact]
    [Trait(Category.Name, Category.Unit)]
    [Trait(Feature.Name, Feature.Router)]
    public void Allowed_ports_turn_away_the_rest()
    {
        var router = new HostRouter(new RouterOptions { AllowedPorts = "39375-39383, 5173" });
        router.Route("port-39380-vm-200.x").Outcome.ShouldBe(RouteOutcome.Forward);
        router.Route("port-5173-vm-200.x").Outcome.ShouldBe(RouteOutcome.Forward);
        var denied = router.Route("port-22-vm-200.x");
        denied.Outcome.ShouldBe(RouteOutcome.PortNotAllowed);
        denied.Port.ShouldBe(22);
    }

    [Theory]
    [Trait(Category.Name, Category.Unit)]
    [Trait(Feature.Name, Feature.Router)]
    [InlineData("example.com:8080", "8080")]
    [InlineData("example.com", "")]
    [InlineData("[::1]:8080", "8080")]
    [InlineData("[::1]", "")]
    [InlineData("example.com:", "")]
    public void Port_placeholder_is_the_hosts_port(string host, string port) =>
        HostPort.PortOf(host).ToString().ShouldBe(port);

    [Theory]
    [Trait(Category.Name, Category.Unit)]
    [Trait(Feature.Name, Feature.Router)]
    [InlineData("0")]
    [InlineData("70000")]
    [InlineData("80-22")]
    [InlineData("http")]
    public void Bad_allowed_ports_stop_the_router_with_the_reason(string spec) =>
        Should.Throw<InvalidOperationException>(() => new RouterOptions { AllowedPorts = spec }.Validate())
            .Message.ShouldContain("Router:AllowedPorts");

    [Fact]
    [Trait(Category.Name, Category.Unit)]
    [Trait(Feature.Name, Feature.Router)]
    public void Every_configuration_problem_is_reported_at_once()
    {
        var message = Should.Throw<InvalidOperationException>(() => new RouterOptions
        {
            PveUpstream = new Uri("ftp://pve"),
            SearchDomain = "lan:53",
            DialTimeout = TimeSpan.Zero,
        }.Validate()).Message;
        message.ShouldContain("Router:PveUpstream must be an absolute http(s) URL");
        message.ShouldContain("Router:PveUpstream needs Router:Domain");
        message.ShouldContain("Router:SearchDomain");
        message.ShouldContain("Router:DialTimeout");
    }

    [Fact]
    [Trait(Category.Name, Category.Unit)]
    [Trait(Feature.Name, Feature.Router)]
    public void Dial_timeout_defaults_to_each_profiles_caddy_value()
    {
        new RouterOptions().EffectiveDialTimeout.ShouldBe(TimeSpan.FromSeconds(3));
        new RouterOptions { Profile = RouterProfile.Cmux }.EffectiveDialTimeout.ShouldBe(TimeSpan.FromSeconds(10));
        new RouterOptions { DialTimeout = TimeSpan.FromSeconds(1) }.EffectiveDialTimeout.ShouldBe(TimeSpan.FromSeconds(1));
    }
}

public sealed class HostsFileTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("cmux-router-hosts-");

    [Fact]
    [Trait(Category.Name, Category.Unit)]
    [Trait(Feature.Name, Feature.Router)]
    public void Lines_name_addresses_with_comments_and_aliases()
    {
        var names = HostsFile.Parse(
        [
            "# written by the sandbox host",
            "127.1.0.200 cmux-200.lan cmux-200   # vm 200",
            "127.1.0.201\tcmux-201.lan",
            "not-an-address cmux-999.lan",
            "",
        ]);
        names["CMUX-200.lan"].ShouldBe([System.Net.IPAddress.Parse("127.1.0.200")]);
        names["cmux-200"].ShouldBe([System.Net.IPAddress.Parse("127.1.0.200")]);
        names["cmux-201.lan"].ShouldBe([System.Net.IPAddress.Parse("127.1.0.201")]);
        names.ContainsKey("cmux-999.lan").ShouldBeFalse();
    }

    [Fact]
    [Trait(Category.Name, Category.Unit)]
    [Trait(Feature.Name, Feature.Router)]
    public void A_rewritten_file_is_read_again()
    {
        var path = Path.Combine(_dir.FullName, "hosts");
        var hosts = new HostsFile(path, Microsoft.Extensions.Logging.Abstractions.NullLogger<HostsFile>.Instance);
        hosts.Resolve("cmux-200.lan").ShouldBeNull();

        File.WriteAllText(path, "127.1.0.200 cmux-200.lan\n");
        hosts.Resolve("cmux-200.lan")!.Single().ToString().ShouldBe("127.1.0.200");

        File.WriteAllText(path, "127.1.0.200 cmux-200.lan\n127.1.0.201 cmux-201.lan\n");
        hosts.Resolve("cmux-201.lan")!.Single().ToString().ShouldBe("127.1.0.201");
    }

    public void Dispose() => _dir.Delete(recursive: true);
}
