using System.Net;
using System.Net.Http.Json;

namespace Cmux.Execd.Tests.Exec;

/// <summary>The concurrency limit: one command more than <c>MaxConcurrentCommands</c> is refused at once with 503, and a finished command frees its slot.</summary>
[Trait(Category.Name, Category.Unit)]
[Trait(Feature.Name, Feature.Exec)]
public sealed class CommandSlotsTests
{
    [Theory]
    [InlineData(ExecdProfile.Seed)]
    [InlineData(ExecdProfile.Cmux)]
    public async Task A_command_over_the_limit_is_refused_with_503_and_a_message(ExecdProfile profile)
    {
        await using var execd = await ExecdServer.StartAsync(profile, "MaxConcurrentCommands=1");
        var marker = Path.Combine(execd.Root, "go-on");
        var started = Path.Combine(execd.Root, "started");
        var first = execd.Client.PostAsJsonAsync("/exec", new { command = $"touch {started}; while [ ! -e {marker} ]; do sleep 0.02; done" });
        await Poll.UntilAsync(() => File.Exists(started), "the first command runs");

        using var refused = await execd.Client.PostAsJsonAsync("/exec", new { command = "echo second" });

        refused.StatusCode.ShouldBe(HttpStatusCode.ServiceUnavailable);
        refused.Headers.RetryAfter.ShouldNotBeNull();
        (await refused.Content.ReadAsStringAsync()).ShouldContain("Too many commands running at once (limit 1); retry later");

        await File.WriteAllTextAsync(marker, "");
        using (var done = await first)
        {
            done.StatusCode.ShouldBe(HttpStatusCode.OK);
            await done.Content.ReadAsStringAsync();
        }
        using var after = await execd.Client.PostAsJsonAsync("/exec", new { command = "echo third" });
        after.StatusCode.ShouldBe(HttpStatusCode.OK);
    }
}
