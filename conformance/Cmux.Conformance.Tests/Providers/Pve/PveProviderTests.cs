using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Cmux.Conformance.Providers;
using Cmux.Conformance.Providers.Pve;
using Cmux.Fakes.Pve;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;

namespace Cmux.Conformance.Tests.Providers.Pve;

/// <summary>The PVE provider driver doing cmux's flow against the fake (no sandbox host: API behaviour only).</summary>
public sealed class PveProviderTests : IAsyncLifetime
{
    private InProcessApp _pve = null!;

    /// <summary>A client of its own, to look at what the provider did.</summary>
    private PveApiClient _api = null!;

    public async Task InitializeAsync()
    {
        _pve = await StartFakeAsync();
        _api = new PveApiClient(Options());
    }

    public async Task DisposeAsync()
    {
        _api.Dispose();
        await _pve.DisposeAsync();
    }

    private static Task<InProcessApp> StartFakeAsync(params string[] settings) => PveFake.StartAsync(settings);

    private PveProviderOptions Options(InProcessApp? pve = null, string? tokenSecret = null) => PveFake.Options(pve ?? _pve, tokenSecret);

    [Fact]
    [Trait(Category.Name, Category.Unit)]
    [Trait(Feature.Name, Feature.Lifecycle)]
    public async Task Create_clones_the_template_into_the_smallest_free_vmid_and_starts_it()
    {
        using var provider = new PveProvider(Options());

        var first = await provider.CreateAsync(CancellationToken.None);
        var second = await provider.CreateAsync(CancellationToken.None);
        await provider.DeleteAsync(first, CancellationToken.None);
        var reused = await provider.CreateAsync(CancellationToken.None);

        (first.Id, second.Id, reused.Id).ShouldBe(("200", "201", "200"));
        first.TimeToReady.ShouldBeGreaterThan(TimeSpan.Zero);
        var current = await _api.CurrentAsync(201);
        current.GetProperty("status").GetString().ShouldBe("running");
        current.GetProperty("name").GetString().ShouldBe("cmux-201");
        (await _api.GetAsync("nodes/pve/lxc/201/config")).GetProperty("rootfs").GetString()!.ShouldStartWith("local-lvm:base-9000-disk-0/");
    }

    [Fact]
    [Trait(Category.Name, Category.Unit)]
    [Trait(Feature.Name, Feature.Lifecycle)]
    public async Task A_vmid_taken_between_look_and_clone_is_retried_with_the_next_one()
    {
        using var racer = new CloneRacer(new PveApiClient(Options()));
        using var provider = new PveProvider(Options() with { ApiHandler = racer });

        var sandbox = await provider.CreateAsync(CancellationToken.None);

        racer.Raced.ShouldBe(200);
        sandbox.Id.ShouldBe("201");
    }

    [Fact]
    [Trait(Category.Name, Category.Unit)]
    [Trait(Feature.Name, Feature.Lifecycle)]
    public async Task Stop_and_delete_leave_nothing_and_deleting_again_succeeds()
    {
        using var provider = new PveProvider(Options());
        var sandbox = await provider.CreateAsync(CancellationToken.None);

        await provider.StopAsync(sandbox, CancellationToken.None);
        (await _api.CurrentAsync(200)).GetProperty("status").GetString().ShouldBe("stopped");
        await provider.DeleteAsync(sandbox, CancellationToken.None);
        await provider.DeleteAsync(sandbox, CancellationToken.None);

        (await Should.ThrowAsync<PveApiException>(() => _api.CurrentAsync(200))).Message.ShouldEndWith(" Configuration file 'nodes/pve/lxc/200.conf' does not exist");
    }

    [Fact]
    [Trait(Category.Name, Category.Unit)]
    [Trait(Feature.Name, Feature.Lifecycle)]
    public async Task Deleting_a_vanished_container_succeeds()
    {
        using var provider = new PveProvider(Options());
        var sandbox = await provider.CreateAsync(CancellationToken.None);
        (await _pve.Client.DeleteAsync($"_fake/containers/{sandbox.Id}")).StatusCode.ShouldBe(HttpStatusCode.NoContent);

        await provider.DeleteAsync(sandbox, CancellationToken.None);
    }

    [Fact]
    [Trait(Category.Name, Category.Unit)]
    [Trait(Feature.Name, Feature.Lifecycle)]
    public async Task A_failing_start_task_names_the_step_the_vmid_andPves_message()
    {
        (await _pve.Client.PutAsJsonAsync("_fake/faults", new { failingTasks = new[] { "vzstart" }, taskError = "startup for container '200' failed" })).EnsureSuccessStatusCode();
        using var provider = new PveProvider(Options());

        var error = await Should.ThrowAsync<ProviderException>(() => provider.CreateAsync(CancellationToken.None));

        error.Step.ShouldBe("start task");
        error.Sandbox.ShouldBe("200");
        error.Message.ShouldContain("startup for container '200' failed");
    }

    [Fact]
    [Trait(Category.Name, Category.Unit)]
    [Trait(Feature.Name, Feature.Lifecycle)]
    public async Task A_lock_that_never_clears_fails_the_first_step_after_the_clone_withPves_lock_text()
    {
        (await _pve.Client.PutAsJsonAsync("_fake/faults", new { locksNeverClear = true })).EnsureSuccessStatusCode();
        using var provider = new PveProvider(Options());

        var error = await Should.ThrowAsync<ProviderException>(() => provider.CreateAsync(CancellationToken.None));

        // Tagging the clone (the run's mark) is the first step after it, before start.
        error.Step.ShouldBe("tag");
        error.Message.ShouldContain("CT is locked (create)");
    }

    [Fact]
    [Trait(Category.Name, Category.Unit)]
    [Trait(Feature.Name, Feature.Lifecycle)]
    public async Task A_bad_token_fails_the_first_step_with_401()
    {
        using var provider = new PveProvider(Options(tokenSecret: "wrong"));

        var error = await Should.ThrowAsync<ProviderException>(() => provider.CreateAsync(CancellationToken.None));

        error.Step.ShouldBe("pick vmid");
        error.Message.ShouldContain("401");
    }

    [Fact]
    [Trait(Category.Name, Category.Unit)]
    [Trait(Feature.Name, Feature.Lifecycle)]
    public async Task A_task_past_its_timeout_fails_the_step()
    {
        await using var slow = await StartFakeAsync("--Pve:Tasks:Durations:vzclone=00:00:05");
        using var provider = new PveProvider(Options(slow) with { TaskTimeout = TimeSpan.FromMilliseconds(200) });

        var error = await Should.ThrowAsync<ProviderException>(() => provider.CreateAsync(CancellationToken.None));

        error.Step.ShouldBe("clone task");
        error.Message.ShouldContain("still running");
    }

    [Fact]
    [Trait(Category.Name, Category.Unit)]
    [Trait(Feature.Name, Feature.Exec)]
    public async Task Exec_posts_the_seed_execd_request_to_the_port_39375_url()
    {
        await using var execd = await FakeExecd.StartAsync();
        using var provider = new PveProvider(Options() with
        {
            Domain = "example.test",
            PublicScheme = "http",
            Route = new PublicRoute(execd.Endpoint),
            AccessClientId = "id.access",
            AccessClientSecret = "secret",
        });
        var sandbox = new SandboxHandle("pve", "200", TimeSpan.Zero);

        var result = await provider.ExecAsync(sandbox,
            new ExecRequest("echo hello", TimeSpan.FromSeconds(5), "/workspace", new Dictionary<string, string> { ["A"] = "b" }), CancellationToken.None);

        (result with { Wire = "" }).ShouldBe(new ExecResult(0, "hello\n", ""));
        result.Wire.ShouldBe("application/json {stdout, stderr, exitCode}", "the wire shape is what the answer carried");
        execd.Host.ShouldBe("port-39375-vm-200.example.test");
        execd.AccessClientId.ShouldBe("id.access");
        execd.Body.ShouldNotBeNull();
        execd.Body.Value.GetProperty("command").GetString().ShouldBe("echo hello");
        execd.Body.Value.GetProperty("cwd").GetString().ShouldBe("/workspace");
        execd.Body.Value.GetProperty("env").GetProperty("A").GetString().ShouldBe("b");
        execd.Body.Value.GetProperty("timeout_ms").GetInt64().ShouldBe(5000);
    }

    /// <summary>Takes the vmid the driver picked, through another client, just before the driver's clone arrives.</summary>
    private sealed class CloneRacer(PveApiClient other) : DelegatingHandler(new HttpClientHandler
    {
        ServerCertificateCustomValidationCallback = HttpClientHandler.DangerousAcceptAnyServerCertificateValidator,
    })
    {
        public int? Raced { get; private set; }

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (Raced is null && request.Method == HttpMethod.Post && request.RequestUri!.AbsolutePath.EndsWith("/clone", StringComparison.Ordinal))
            {
                var form = await request.Content!.ReadAsStringAsync(cancellationToken);
                Raced = int.Parse(form.Split('&').First(f => f.StartsWith("newid=", StringComparison.Ordinal))["newid=".Length..]);
                var clone = await other.CloneAsync(9000, Raced.Value, SandboxNames.Hostname(Raced.Value), ct: cancellationToken);
                (await other.WaitForTaskAsync(clone, TimeSpan.FromMilliseconds(10), TimeSpan.FromSeconds(15), cancellationToken)).Succeeded.ShouldBeTrue();
            }
            return await base.SendAsync(request, cancellationToken);
        }

        protected override void Dispose(bool disposing)
        {
            other.Dispose();
            base.Dispose(disposing);
        }
    }

    /// <summary>A seed-profile execd on a loopback port that records what it was sent.</summary>
    private sealed class FakeExecd : IAsyncDisposable
    {
        private readonly WebApplication _app;

        private FakeExecd(WebApplication app) => _app = app;

        public DnsEndPoint Endpoint => new(new Uri(_app.Urls.First()).Host, new Uri(_app.Urls.First()).Port);

        public string? Host { get; private set; }

        public string? AccessClientId { get; private set; }

        public JsonElement? Body { get; private set; }

        public static async Task<FakeExecd> StartAsync()
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            var app = builder.Build();
            var execd = new FakeExecd(app);
            app.MapPost("/exec", async (HttpContext context) =>
            {
                execd.Host = context.Request.Host.Host;
                execd.AccessClientId = context.Request.Headers["CF-Access-Client-Id"];
                execd.Body = await JsonSerializer.DeserializeAsync<JsonElement>(context.Request.Body);
                return Results.Json(new { stdout = "hello\n", stderr = "", exitCode = 0 });
            });
            await app.StartAsync();
            return execd;
        }

        public ValueTask DisposeAsync() => _app.DisposeAsync();
    }
}
