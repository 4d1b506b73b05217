namespace Cmux.Fakes.Sandbox.Tests.Docker;

/// <summary>What needs no Docker engine: the runtime's settings fail loudly, and a missing engine skips the docker tests, naming why.</summary>
[Trait(Category.Name, Category.Unit)]
[Trait(Feature.Name, Feature.Sandbox)]
public sealed class DockerRuntimeSettingsTests
{
    [Fact]
    public async Task An_unknown_runtime_fails_the_host()
    {
        var error = await Should.ThrowAsync<InvalidOperationException>(
            InProcessApp.StartAsync(args => SandboxHostApplication.Build(args), "--Sandbox:Runtime=lxc"));

        error.Message.ShouldBe("Sandbox:Runtime must be 'process' or 'docker', not 'lxc'");
    }

    [Fact]
    public async Task The_docker_runtime_without_an_image_fails_the_host_naming_the_setting()
    {
        var dataDir = Directory.CreateTempSubdirectory("cmux-docker-test-").FullName;
        try
        {
            var error = await Should.ThrowAsync<InvalidOperationException>(
                InProcessApp.StartAsync(args => SandboxHostApplication.Build(args), "--Sandbox:Runtime=docker", $"--Sandbox:DataDir={dataDir}"));

            error.Message.ShouldContain("Sandbox:Docker:Image is not set");
        }
        finally
        {
            Directory.Delete(dataDir, recursive: true);
        }
    }

    [Fact]
    public void Without_an_engine_docker_tests_are_skipped_with_the_reason()
    {
        var reason = DockerEnvironment.Check(Path.Combine(Path.GetTempPath(), $"no-docker-{Guid.NewGuid():N}.sock"), "cmux-template:000000000000");

        reason.ShouldNotBeNull().ShouldStartWith("no Docker engine answers at ");
        new DockerFactAttribute().Skip.ShouldBe(DockerEnvironment.SkipReason);
    }

    [Fact]
    public void Cmux_docker_0_leaves_them_out_whatever_engine_answers()
    {
        DockerEnvironment.LeftOut("0").ShouldBe("CMUX_DOCKER=0: the docker tests are left out of this run");
        DockerEnvironment.LeftOut("1").ShouldBeNull();
        DockerEnvironment.LeftOut(null).ShouldBeNull();
    }

    [Fact]
    public void The_template_image_is_named_by_the_recipe()
    {
        DockerEnvironment.TemplateImage.ShouldNotBeNull().ShouldMatch("^cmux-template:[0-9a-f]{12}$");
    }
}
