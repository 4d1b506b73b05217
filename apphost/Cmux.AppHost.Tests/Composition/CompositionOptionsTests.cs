using Cmux.AppHost.Composition;
using Microsoft.Extensions.Configuration;

namespace Cmux.AppHost.Tests.Composition;

[Trait(Category.Name, Category.Unit)]
[Trait(Feature.Name, Feature.Foundation)]
public sealed class CompositionOptionsTests
{
    private static CompositionOptions Read(params (string Key, string Value)[] settings) =>
        CompositionOptions.FromConfiguration(new ConfigurationBuilder()
            .AddInMemoryCollection(settings.Select(s => new KeyValuePair<string, string?>(s.Key, s.Value)))
            .Build());

    [Fact]
    public void Nothing_set_is_the_seed_profile_over_our_router_execd_and_every_fake()
    {
        Read().ShouldBe(new CompositionOptions());
        new CompositionOptions().ShouldSatisfyAllConditions(
            o => o.Profile.ShouldBe("seed"),
            o => o.Router.ShouldBe(RouterKind.Ours),
            o => o.ExecdPath.ShouldBeNull(),
            o => o.Sandboxes.ShouldBe("process"),
            o => o.SandboxImage.ShouldBeNull(),
            o => o.PveUrl.ShouldBeNull(),
            o => o.CloudflareUrl.ShouldBeNull(),
            o => o.CloudflareWrite.ShouldBeFalse(),
            o => o.Access.ShouldBeTrue(),
            o => o.SandboxTestEndpoints.ShouldBeFalse(),
            o => o.Telemetry.ShouldBeTrue(),
            o => o.EndpointProxy.ShouldBeTrue(),
            o => o.RouterBinary.ShouldBeNull(),
            o => o.RouterSettings.ShouldBeNull());
    }

    [Fact]
    public void Every_key_takes_its_documented_values()
    {
        var execd = typeof(CompositionOptionsTests).Assembly.Location;
        var options = Read(("Cmux:Profile", "CMUX"), ("Cmux:Router", "caddy"), ("Cmux:Execd", execd),
            ("Cmux:Pve", "https://pve.lan:8006"), ("Cmux:Cloudflare", "real"), ("Cmux:CloudflareWrite", "true"),
            ("Cmux:Access", "false"), ("Cmux:SandboxTestEndpoints", "True"), ("Cmux:Telemetry", "false"),
            ("Cmux:EndpointProxy", "false"));

        options.ShouldBe(new CompositionOptions
        {
            Profile = "cmux",
            Router = RouterKind.Caddy,
            ExecdPath = execd,
            PveUrl = new Uri("https://pve.lan:8006"),
            CloudflareUrl = CompositionOptions.CloudflareApi,
            CloudflareWrite = true,
            Access = false,
            SandboxTestEndpoints = true,
            Telemetry = false,
            EndpointProxy = false,
        });
        Read(("Cmux:Router", "http://10.0.0.2:8080")).ShouldSatisfyAllConditions(
            o => o.Router.ShouldBe(RouterKind.External),
            o => o.RouterUrl.ShouldBe(new Uri("http://10.0.0.2:8080")));
        Read(("Cmux:Router", "ours"), ("Cmux:Execd", "ours"), ("Cmux:Sandboxes", "process"), ("Cmux:Pve", "fake"), ("Cmux:Cloudflare", "fake"),
            ("Cmux:Access", "true"), ("Cmux:SandboxTestEndpoints", "false"), ("Cmux:Telemetry", "true")).ShouldBe(new CompositionOptions());
    }

    [Fact]
    public void Our_router_can_be_another_build_with_settings_of_its_own()
    {
        var build = typeof(CompositionOptionsTests).Assembly.Location;

        var options = Read(("Cmux:RouterBinary", build), ("Cmux:RouterSettings:Kestrel:Limits:MaxConcurrentConnections", "100"),
            ("Cmux:RouterSettings:Logging:LogLevel:Default", "Warning"));

        options.RouterBinary.ShouldBe(build);
        options.RouterSettings.ShouldBe(new Dictionary<string, string>
        {
            ["Kestrel__Limits__MaxConcurrentConnections"] = "100",
            ["Logging__LogLevel__Default"] = "Warning",
        }, ignoreOrder: true);
        var error = Should.Throw<InvalidOperationException>(() => Read(("Cmux:Router", "caddy"), ("Cmux:RouterBinary", build),
            ("Cmux:RouterSettings:Kestrel:AddServerHeader", "false")));
        error.Message.ShouldContain("it needs Cmux:Router=ours");
        error.Message.ShouldContain("Cmux:RouterSettings configure our router: they need Cmux:Router=ours.");
        Should.Throw<InvalidOperationException>(() => Read(("Cmux:RouterBinary", "/no/such/Cmux.Router.dll")))
            .Message.ShouldContain("Cmux:RouterBinary must be the path of a Cmux.Router.dll build");
    }

    [Fact]
    public void Docker_sandboxes_run_the_template_image_and_no_other_execd()
    {
        Read(("Cmux:Sandboxes", "Docker"), ("Cmux:SandboxImage", "cmux-template:0123456789ab"))
            .ShouldBe(new CompositionOptions { Sandboxes = "docker", SandboxImage = "cmux-template:0123456789ab" });
        Read(("Cmux:Sandboxes", "docker")).SandboxImage.ShouldBeNull();

        var error = Should.Throw<InvalidOperationException>(() =>
            Read(("Cmux:Sandboxes", "docker"), ("Cmux:Execd", typeof(CompositionOptionsTests).Assembly.Location)));

        error.Message.ShouldContain("Cmux:Execd cannot go with Cmux:Sandboxes=docker");
    }

    [Fact]
    public void The_default_sandbox_image_is_the_one_the_recipe_names()
    {
        TemplateImage.ForRecipe(RepositoryRoot.Find()).ShouldMatch("^cmux-template:[0-9a-f]{12}$");
        Should.Throw<InvalidOperationException>(() => TemplateImage.ForRecipe(Path.GetTempPath())).Message.ShouldContain("Cmux:SandboxImage");
    }

    [Fact]
    public void Wrong_values_are_refused_together_each_naming_its_key()
    {
        var error = Should.Throw<InvalidOperationException>(() => Read(("Cmux:Profile", "morph"), ("Cmux:Router", "nginx"),
            ("Cmux:Execd", "/no/such/execd"), ("Cmux:Sandboxes", "lxc"), ("Cmux:Pve", "real"), ("Cmux:CloudflareWrite", "maybe"),
            ("Cmux:Access", "yes"), ("Cmux:SandboxTestEndpoints", "1"), ("Cmux:Telemetry", "off"), ("Cmux:EndpointProxy", "no")));

        error.Message.ShouldContain("Cmux:Profile must be 'seed' or 'cmux', not 'morph'.");
        error.Message.ShouldContain("Cmux:Router must be 'ours', 'caddy' or the http(s) URL of a router, not 'nginx'.");
        error.Message.ShouldContain("'/no/such/execd' does not exist");
        error.Message.ShouldContain("Cmux:Sandboxes must be 'process' or 'docker', not 'lxc'.");
        error.Message.ShouldContain("Cmux:Pve must be 'fake' or an http(s) URL, not 'real'.");
        error.Message.ShouldContain("Cmux:CloudflareWrite must be true or false, not 'maybe'.");
        error.Message.ShouldContain("Cmux:Access must be true or false, not 'yes'.");
        error.Message.ShouldContain("Cmux:SandboxTestEndpoints must be true or false, not '1'.");
        error.Message.ShouldContain("Cmux:Telemetry must be true or false, not 'off'.");
        error.Message.ShouldContain("Cmux:EndpointProxy must be true or false, not 'no'.");
    }
}
