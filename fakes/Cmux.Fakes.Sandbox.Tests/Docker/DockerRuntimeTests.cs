using System.Net;
using System.Security.Cryptography;
using System.Text.Json;
using Cmux.Fakes.Sandbox.Client;
using Cmux.Fakes.Sandbox.Docker;
using Docker.DotNet;
using Docker.DotNet.Models;

namespace Cmux.Fakes.Sandbox.Tests.Docker;

/// <summary>
/// The Docker runtime against a real engine and the template image: each sandbox a container on the
/// host's network, named as on a PVE LAN, reached at its address from the hosts file, its execd
/// requiring the token its first start carried; stop, start, pause, resume and delete are Docker's.
/// </summary>
[Collection(DockerHostCollection.Name)]
[Trait(Category.Name, Category.Docker)]
public sealed class DockerRuntimeTests(DockerHostFixture host)
{
    [DockerFact]
    [Trait(Feature.Name, Feature.Sandbox)]
    public async Task A_sandbox_is_a_container_on_the_hosts_network_with_its_names_and_its_address_in_the_hosts_file()
    {
        var sandbox = await host.StartNewAsync("pvelxc-0badcafe");

        var container = await host.Docker.Containers.InspectContainerAsync($"cmux-{host.Runtime.HostKey}-{sandbox.Id}");
        container.Config!.Image.ShouldBe(DockerEnvironment.TemplateImage);
        container.Config!.Hostname.ShouldBe("pvelxc-0badcafe");
        var endpoint = container.NetworkSettings!.Networks!.ShouldHaveSingleItem();
        endpoint.Key.ShouldBe(host.Runtime.NetworkName);
        endpoint.Value.Aliases.ShouldContain($"cmux-{sandbox.Id}.lan");
        endpoint.Value.Aliases.ShouldContain($"cmux-{sandbox.Id}");
        endpoint.Value.Aliases.ShouldContain("pvelxc-0badcafe.lan");
        endpoint.Value.Aliases.ShouldContain("pvelxc-0badcafe");
        sandbox.Address.ShouldBe(endpoint.Value.IPAddress);
        File.ReadAllLines(host.HostsFile).ShouldContain($"{sandbox.Address} cmux-{sandbox.Id}.lan cmux-{sandbox.Id} pvelxc-0badcafe.lan pvelxc-0badcafe");
        (await host.Docker.Networks.InspectNetworkAsync(host.Runtime.NetworkName)).Internal.ShouldBeTrue();
        // Its own UTS and PID namespaces, as an LXC container: its hostname, and the template's init as PID 1.
        var (status, body) = await DockerHostFixture.ExecAsync(sandbox.Address, "hostname; tr '\\0' ' ' </proc/1/cmdline; echo", token: null);
        status.ShouldBe(HttpStatusCode.OK);
        Stdout(body)[0].ShouldBe("pvelxc-0badcafe");
        Stdout(body)[1].ShouldContain("/opt/cmux/init.sh");
        await host.Client.DeleteAsync(sandbox.Id);
    }

    /// <summary>The token hook's end in the template's init: the start's CMUX_EXECD_AUTH_TOKEN becomes the 0600 token file, and leaves the environment.</summary>
    [DockerFact]
    [Trait(Feature.Name, Feature.Exec)]
    public async Task Execd_in_the_container_requires_the_token_the_start_carried()
    {
        var token = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));
        var sandbox = await host.StartNewAsync(token: token);

        (await DockerHostFixture.ExecAsync(sandbox.Address, "true", token: null)).Status.ShouldBe(HttpStatusCode.Unauthorized);
        (await DockerHostFixture.ExecAsync(sandbox.Address, "true", token: new string('0', 64))).Status.ShouldBe(HttpStatusCode.Unauthorized);
        var (status, body) = await DockerHostFixture.ExecAsync(sandbox.Address, "stat -c '%a %U' /root/.worker-auth-token; env | grep -c CMUX_EXECD_AUTH_TOKEN || true", token);
        status.ShouldBe(HttpStatusCode.OK);
        Stdout(body).ShouldBe(["600 root", "0"]);
        await host.Client.DeleteAsync(sandbox.Id);
    }

    [DockerFact]
    [Trait(Feature.Name, Feature.Lifecycle)]
    public async Task Stop_and_start_keep_its_files_and_its_token()
    {
        var token = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));
        var sandbox = await host.StartNewAsync(token: token);
        (await DockerHostFixture.ExecAsync(sandbox.Address, "echo kept > /workspace/note; echo home > /root/note", token)).Status.ShouldBe(HttpStatusCode.OK);

        (await host.Client.StopAsync(sandbox.Id)).State.ShouldBe(SandboxState.Stopped);
        (await host.Docker.Containers.InspectContainerAsync($"cmux-{host.Runtime.HostKey}-{sandbox.Id}")).State!.Running.ShouldBeFalse();
        var started = await host.Client.StartAsync(sandbox.Id, new StartSandboxRequest(new Dictionary<string, string> { ["CMUX_EXECD_AUTH_TOKEN"] = token }));

        started.State.ShouldBe(SandboxState.Running);
        File.ReadAllLines(host.HostsFile).ShouldContain(line => line.StartsWith($"{started.Address} cmux-{sandbox.Id}.lan", StringComparison.Ordinal));
        (await DockerHostFixture.ExecAsync(started.Address, "true", token: null)).Status.ShouldBe(HttpStatusCode.Unauthorized);
        var (status, body) = await DockerHostFixture.ExecAsync(started.Address, "cat /workspace/note /root/note", token);
        status.ShouldBe(HttpStatusCode.OK);
        Stdout(body).ShouldBe(["kept", "home"]);
        await host.Client.DeleteAsync(sandbox.Id);
    }

    /// <summary>A container's environment is set when it is made: a later start asking for another token is refused, not silently ignored.</summary>
    [DockerFact]
    [Trait(Feature.Name, Feature.Lifecycle)]
    public async Task A_later_start_with_another_environment_is_a_conflict()
    {
        var sandbox = await host.StartNewAsync(token: new string('a', 64));
        await host.Client.StopAsync(sandbox.Id);

        var error = await Should.ThrowAsync<SandboxHostException>(host.Client.StartAsync(sandbox.Id,
            new StartSandboxRequest(new Dictionary<string, string> { ["CMUX_EXECD_AUTH_TOKEN"] = new string('b', 64) })));

        error.Status.ShouldBe(HttpStatusCode.Conflict);
        error.Message.ShouldContain("CMUX_EXECD_AUTH_TOKEN");
        error.Message.ShouldNotContain(new string('b', 64));
        (await host.Client.StartAsync(sandbox.Id)).State.ShouldBe(SandboxState.Running);
        await host.Client.DeleteAsync(sandbox.Id);
    }

    [DockerFact]
    [Trait(Feature.Name, Feature.Lifecycle)]
    public async Task Pause_freezes_it_and_resume_answers_again()
    {
        var sandbox = await host.StartNewAsync();
        (await DockerHostFixture.ExecAsync(sandbox.Address, "true", null)).Status.ShouldBe(HttpStatusCode.OK);

        (await host.Client.PauseAsync(sandbox.Id)).State.ShouldBe(SandboxState.Paused);
        (await host.Docker.Containers.InspectContainerAsync($"cmux-{host.Runtime.HostKey}-{sandbox.Id}")).State!.Paused.ShouldBeTrue();
        await Should.ThrowAsync<TaskCanceledException>(DockerHostFixture.ExecAsync(sandbox.Address, "true", null, TimeSpan.FromSeconds(2)));
        (await host.Client.ResumeAsync(sandbox.Id)).State.ShouldBe(SandboxState.Running);

        var (status, body) = await DockerHostFixture.ExecAsync(sandbox.Address, "echo back", null);
        status.ShouldBe(HttpStatusCode.OK);
        Stdout(body).ShouldBe(["back"]);
        await host.Client.DeleteAsync(sandbox.Id);
    }

    [DockerFact]
    [Trait(Feature.Name, Feature.Lifecycle)]
    public async Task Delete_removes_the_container_its_folder_and_its_name()
    {
        var sandbox = await host.StartNewAsync();
        await host.Client.PauseAsync(sandbox.Id);

        (await host.Client.DeleteAsync(sandbox.Id)).ShouldBeTrue();

        await Should.ThrowAsync<DockerContainerNotFoundException>(host.Docker.Containers.InspectContainerAsync($"cmux-{host.Runtime.HostKey}-{sandbox.Id}"));
        Directory.Exists(Path.Combine(host.DataDir, "sandboxes", sandbox.Id.ToString(System.Globalization.CultureInfo.InvariantCulture))).ShouldBeFalse();
        File.ReadAllText(host.HostsFile).ShouldNotContain($"cmux-{sandbox.Id}");
        (await host.Client.GetAsync(sandbox.Id)).ShouldBeNull();
    }

    /// <summary>What the dashboard shows as the sandbox's console: execd's log, written in the container, read on the host.</summary>
    [DockerFact]
    [Trait(Feature.Name, Feature.Sandbox)]
    public async Task Execds_log_is_in_the_sandbox_folder()
    {
        var sandbox = await host.StartNewAsync();

        var log = Path.Combine(host.DataDir, "sandboxes", sandbox.Id.ToString(System.Globalization.CultureInfo.InvariantCulture), "execd.log");
        await Poll.UntilAsync(() => File.Exists(log) && File.ReadAllText(log).Length > 0, "execd has written its log");
        await host.Client.DeleteAsync(sandbox.Id);
    }

    [DockerFact]
    [Trait(Feature.Name, Feature.Sandbox)]
    public async Task Stopping_the_host_removes_its_containers_and_its_network()
    {
        var dataDir = Directory.CreateTempSubdirectory("cmux-docker-test-").FullName;
        try
        {
            var app = await DockerHostFixture.StartHostAsync(dataDir);
            var client = new SandboxHostClient(app.Client);
            var runtime = (DockerRuntime)app.Services.GetService(typeof(DockerRuntime))!;
            var (key, network) = (runtime.HostKey, runtime.NetworkName);
            foreach (var id in new[] { 301, 302 })
            {
                await client.CreateAsync(id, new CreateSandboxRequest());
                await client.StartAsync(id);
            }
            await client.PauseAsync(302);
            (await Labelled(key)).Count.ShouldBe(2);

            await app.DisposeAsync();

            (await Labelled(key)).ShouldBeEmpty();
            await Should.ThrowAsync<DockerNetworkNotFoundException>(host.Docker.Networks.InspectNetworkAsync(network));
        }
        finally
        {
            Directory.Delete(dataDir, recursive: true);
        }
    }

    /// <summary>A host killed before its stop leaves its containers and network; the next host on its folder removes them first.</summary>
    [DockerFact]
    [Trait(Feature.Name, Feature.Sandbox)]
    public async Task A_host_started_on_the_folder_of_a_killed_one_removes_what_it_left()
    {
        var dataDir = Directory.CreateTempSubdirectory("cmux-docker-test-").FullName;
        try
        {
            var key = Convert.ToHexStringLower(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(Path.GetFullPath(dataDir))))[..10];
            var network = await host.Docker.Networks.CreateNetworkAsync(new NetworksCreateParameters
            {
                Name = $"cmux-sandboxes-{key}",
                Labels = new Dictionary<string, string> { [DockerRuntime.HostLabel] = key },
            });
            await host.Docker.Containers.CreateContainerAsync(new CreateContainerParameters
            {
                Image = DockerEnvironment.TemplateImage!,
                Name = $"cmux-{key}-303",
                Labels = new Dictionary<string, string> { [DockerRuntime.HostLabel] = key },
                HostConfig = new HostConfig { NetworkMode = $"cmux-sandboxes-{key}" },
            });

            var app = await DockerHostFixture.StartHostAsync(dataDir);
            try
            {
                (await Labelled(key)).ShouldBeEmpty();
                (await host.Docker.Networks.InspectNetworkAsync($"cmux-sandboxes-{key}")).ID.ShouldNotBe(network.ID);
            }
            finally
            {
                await app.DisposeAsync();
            }
        }
        finally
        {
            Directory.Delete(dataDir, recursive: true);
        }
    }

    [DockerFact]
    [Trait(Feature.Name, Feature.Foundation)]
    public void Without_the_recipes_image_docker_tests_are_skipped_naming_it()
    {
        DockerEnvironment.Check(DockerEnvironment.Endpoint(), "cmux-template:000000000000")
            .ShouldBe("the template image cmux-template:000000000000 is not in the Docker engine: build it with eng/template/build.sh (nothing is pulled; eng/test.sh builds it when run as root)");
    }

    private async Task<IList<ContainerListResponse>> Labelled(string key) =>
        await host.Docker.Containers.ListContainersAsync(new ContainersListParameters
        {
            All = true,
            Filters = new Dictionary<string, IDictionary<string, bool>> { ["label"] = new Dictionary<string, bool> { [$"{DockerRuntime.HostLabel}={key}"] = true } },
        });

    /// <summary>The stdout lines of a cmux-profile exec (NDJSON: <c>{"type":"stdout","data":…}</c> per line).</summary>
    private static List<string> Stdout(string ndjson) =>
        [.. ndjson.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => JsonDocument.Parse(line).RootElement)
            .Where(e => e.GetProperty("type").GetString() == "stdout")
            .Select(e => e.GetProperty("data").GetString()!)];
}
