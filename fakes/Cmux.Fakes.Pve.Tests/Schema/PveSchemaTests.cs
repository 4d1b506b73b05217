using System.Text.Json;
using System.Text.Json.Nodes;
using Cmux.Fakes.Pve.Api;
using Cmux.Fakes.Pve.Schema;
using Microsoft.Extensions.DependencyInjection;

namespace Cmux.Fakes.Pve.Tests.Schema;

/// <summary>
/// The fake against the official PVE 8.4 schema: every answer of every implemented endpoint has
/// the shape the schema's <c>returns</c> declares, and requests the schema rejects are rejected.
/// </summary>
public sealed class PveSchemaTests : PveFakeTests
{
    private readonly Recorder _recorder;

    public PveSchemaTests()
        : this(new Recorder())
    {
    }

    private PveSchemaTests(Recorder recorder)
        : base(["--Pve:Qemu:0:Vmid=300", "--Pve:Qemu:0:Name=desktop", "--Pve:Qemu:0:Status=running", "--Pve:Qemu:0:Template=true"], recorder) => _recorder = recorder;

    private PveSchema Schema => Pve.Services.GetRequiredService<PveSchema>();

    private IReadOnlyCollection<string> Implemented => Pve.Services.GetRequiredService<ApiDispatcher>().Implemented;

    [Fact]
    [Trait(Category.Name, Category.Unit)]
    [Trait(Feature.Name, Feature.PveApi)]
    public async Task Every_answer_of_every_implemented_endpoint_matches_the_schemas_returns()
    {
        await DriveEveryEndpointAsync();

        var checkedKeys = new HashSet<string>(StringComparer.Ordinal);
        var violations = new List<string>();
        foreach (var (verb, path, body) in _recorder.Successes)
        {
            var match = Schema.Match(verb, path).ShouldNotBeNull($"{verb} {path} answered 200 but is not in the schema");
            checkedKeys.Add(match.Method.Key);
            var data = JsonNode.Parse(body)!["data"];
            violations.AddRange(SchemaValidator.ValidateReturn(match.Method.Returns, data).Select(v => $"{verb} {path}: {v}"));
        }

        violations.ShouldBeEmpty();
        Implemented.Except(checkedKeys).ShouldBeEmpty("implemented endpoints the test did not exercise");
    }

    [Fact]
    [Trait(Category.Name, Category.Unit)]
    [Trait(Feature.Name, Feature.PveApi)]
    public void The_returns_check_rejects_answers_that_break_the_schema()
    {
        var returns = Schema.Get("GET /nodes/{node}/tasks/{upid}/status").Returns;

        var errors = SchemaValidator.ValidateReturn(returns, JsonNode.Parse("""{"upid":"x","status":"paused","pid":"12"}"""));

        errors.ShouldContain("data.status: value 'paused' does not have a value in the enumeration 'running, stopped'");
        errors.ShouldContain("data.pid: type check ('integer') failed - got '\"12\"'");
        errors.ShouldContain($"data.node: {SchemaValidator.Missing}");
    }

    [Fact]
    [Trait(Category.Name, Category.Unit)]
    [Trait(Feature.Name, Feature.PveApi)]
    public async Task Every_required_parameter_is_required()
    {
        var failures = new List<string>();
        foreach (var method in ImplementedMethods())
        {
            var path = Concrete(method.Template);
            foreach (var required in Properties(method).Where(p => !p.Value.TryGetProperty("optional", out _) && !method.Template.Contains($"{{{p.Name}}}")))
            {
                var answer = await SendAsync(method.Verb, path, []);
                if (answer.Status != 400 || answer.Error(required.Name) != SchemaValidator.Missing)
                {
                    failures.Add($"{method.Key} without {required.Name}: {answer.Status} {answer.Raw}");
                }
            }
        }
        failures.ShouldBeEmpty();
    }

    [Fact]
    [Trait(Category.Name, Category.Unit)]
    [Trait(Feature.Name, Feature.PveApi)]
    public async Task Parameters_the_schema_does_not_define_are_refused_everywhere()
    {
        var failures = new List<string>();
        foreach (var method in ImplementedMethods())
        {
            var answer = await SendAsync(method.Verb, Concrete(method.Template), [("undefined-param", "1")]);
            if (answer.Status != 400 || answer.Error("undefined-param") != SchemaValidator.NotDefined)
            {
                failures.Add($"{method.Key}: {answer.Status} {answer.Raw}");
            }
        }
        failures.ShouldBeEmpty();
    }

    private IEnumerable<ApiMethod> ImplementedMethods() => Schema.Methods.Where(m => Implemented.Contains(m.Key));

    private static IEnumerable<JsonProperty> Properties(ApiMethod method) =>
        method.Parameters.TryGetProperty("properties", out var properties) ? properties.EnumerateObject() : [];

    private static string Concrete(string template) => template
        .Replace("{node}", "pve", StringComparison.Ordinal)
        .Replace("{vmid}", "9000", StringComparison.Ordinal)
        .Replace("{upid}", "UPID:pve:00001234:00005678:6B0B0000:vzstart:200:root@pam:", StringComparison.Ordinal)
        .TrimStart('/');

    private Task<PveAnswer> SendAsync(string verb, string path, (string, string)[] parameters) =>
        verb is "GET" or "DELETE"
            ? SendQueryAsync(verb, path, parameters)
            : Api.SendFormAsync(new HttpMethod(verb), path, parameters);

    private async Task<PveAnswer> SendQueryAsync(string verb, string path, (string Name, string Value)[] parameters)
    {
        var query = string.Join('&', parameters.Select(p => $"{p.Name}={Uri.EscapeDataString(p.Value)}"));
        using var request = new HttpRequestMessage(new HttpMethod(verb), query.Length == 0 ? path : $"{path}?{query}");
        return await PveAnswer.ReadAsync(await Api.SendAsync(request));
    }

    /// <summary>One pass over every implemented endpoint, in an order in which each call succeeds.</summary>
    private async Task DriveEveryEndpointAsync()
    {
        foreach (var path in new[] { "version", "nodes", "nodes/pve/dns", "nodes/pve/storage", "nodes/pve/qemu", "cluster/nextid", "cluster/resources", "cluster/resources?type=vm", "access/ticket", "access/permissions" })
        {
            (await Api.PveGetAsync(path)).Status.ShouldBe(200, path);
        }
        (await Api.PvePostAsync("access/ticket", ("username", "root@pam"), ("password", PveFakeServer.RootPassword))).Status.ShouldBe(200);

        await Api.RunTaskAsync(Api.PvePostAsync("nodes/pve/lxc", ("vmid", "150"), ("ostemplate", "local:vztmpl/debian-12-standard_12.7-1_amd64.tar.zst"), ("hostname", "plain")));
        var clone = await Api.PvePostAsync("nodes/pve/lxc/9000/clone", ("newid", "200"), ("hostname", "cmux-200"), ("full", "0"));
        var upid = clone.Data.GetString()!;
        await Api.WaitForTaskAsync(upid);
        (await Api.PveGetAsync($"nodes/pve/tasks/{upid}/log")).Status.ShouldBe(200);
        foreach (var path in new[] { "nodes/pve/lxc", "nodes/pve/lxc/200", "nodes/pve/lxc/200/config", "nodes/pve/lxc/200/status/current", "nodes/pve/lxc/9000/status/current" })
        {
            (await Api.PveGetAsync(path)).Status.ShouldBe(200, path);
        }
        (await Api.PvePutAsync("nodes/pve/lxc/200/config", ("description", "two\nlines"), ("memory", "2048"))).Status.ShouldBe(200);
        await Api.RunTaskAsync(Api.PvePostAsync("nodes/pve/lxc/200/snapshot", ("snapname", "before"), ("description", "first")));
        (await Api.PveGetAsync("nodes/pve/lxc/200/snapshot")).Status.ShouldBe(200);
        await Api.RunTaskAsync(Api.PvePostAsync("nodes/pve/lxc/200/status/start"));
        await Api.RunTaskAsync(Api.PvePostAsync("nodes/pve/lxc/200/status/suspend"));
        await Api.RunTaskAsync(Api.PvePostAsync("nodes/pve/lxc/200/status/resume"));
        (await Api.PveGetAsync("nodes/pve/lxc/200/status/current")).Status.ShouldBe(200);
        await Api.RunTaskAsync(Api.PvePostAsync("nodes/pve/lxc/200/status/shutdown"));
        await Api.RunTaskAsync(Api.PvePostAsync("nodes/pve/lxc/200/status/start"));
        await Api.RunTaskAsync(Api.PvePostAsync("nodes/pve/lxc/200/status/stop"));
        (await Api.PvePostAsync("nodes/pve/lxc/150/template")).Status.ShouldBe(200);
        await Api.RunTaskAsync(Api.PveDeleteAsync("nodes/pve/lxc/200?force=1&purge=1"));
    }

    /// <summary>Keeps every successful API answer with the path it answered.</summary>
    private sealed class Recorder() : DelegatingHandler(new HttpClientHandler())
    {
        private readonly List<(string Verb, string Path, string Body)> _successes = [];

        public IReadOnlyList<(string Verb, string Path, string Body)> Successes
        {
            get
            {
                lock (_successes)
                {
                    return [.. _successes];
                }
            }
        }

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var response = await base.SendAsync(request, cancellationToken);
            if (response.IsSuccessStatusCode)
            {
                var body = await response.Content.ReadAsStringAsync(cancellationToken);
                var path = Uri.UnescapeDataString(request.RequestUri!.AbsolutePath)[ApiDispatcher.Prefix.Length..];
                lock (_successes)
                {
                    _successes.Add((request.Method.Method, path, body));
                }
            }
            return response;
        }
    }
}
