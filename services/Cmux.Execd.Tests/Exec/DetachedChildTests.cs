using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Cmux.Execd.Tests.Exec;

/// <summary>
/// A detached child (its own <c>setsid</c>) that keeps the command's output pipes open: execd
/// answers once its wait delay is over, closes its end of the pipes, and goes idle (its CPU time
/// stops growing), while the child itself lives on.
/// </summary>
[Trait(Category.Name, Category.Unit)]
[Trait(Feature.Name, Feature.Exec)]
public sealed class DetachedChildTests
{
    public static TheoryData<ExecdProfile, string, bool> Cases()
    {
        // The command ends only once the child leads its own session (field 6 of /proc/{pid}/stat):
        // on a loaded machine the child once had not reached setsid() when the command's group was
        // killed, and died with it, which is not what the test is about.
        const string detached = "for _ in $(seq 1000); do [ \"$(cut -d' ' -f6 /proc/$!/stat 2>/dev/null)\" = $! ] && break; sleep 0.01; done; echo $! >&2";
        var data = new TheoryData<ExecdProfile, string, bool>();
        foreach (var profile in Enum.GetValues<ExecdProfile>())
        {
            // Writes nothing to the pipes, holds stderr, burns its own CPU.
            data.Add(profile, $"setsid yes >/dev/null & {detached}", false);
            // Holds stdout and stderr, idle.
            data.Add(profile, $"setsid sh -c 'sleep 30' & {detached}", false);
            // Floods stdout: dies of the closed pipe once execd stops reading.
            data.Add(profile, $"setsid yes & {detached}", true);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Execd_answers_stops_reading_and_goes_idle(ExecdProfile profile, string command, bool childWrites)
    {
        await using var execd = await ExecdProcess.StartAsync(profile, settings: "WaitDelayMs=500");
        var pid = 0;
        try
        {
            using var response = await execd.Client.PostAsJsonAsync("/exec", new { command });
            response.StatusCode.ShouldBe(HttpStatusCode.OK);
            var body = await response.Content.ReadAsStringAsync();
            pid = int.Parse(ChildPid(profile, body));
            var pipe = ExecdProcess.ReadLink($"/proc/{pid}/fd/2");

            if (childWrites)
            {
                await Poll.UntilGoneAsync(pid);
            }
            else
            {
                Poll.IsAlive(pid).ShouldBeTrue("the answer came before the detached child ended");
                pipe.ShouldNotBeNull();
                pipe.ShouldStartWith("pipe:");
                execd.HoldsPipe(pipe).ShouldBeFalse("execd still holds the command's stderr pipe after answering");
            }
            await UntilCpuTimeStopsGrowingAsync(execd);
        }
        finally
        {
            if (pid > 0)
            {
                // The child leads its own session: kill its whole group.
                using var kill = Process.Start("kill", ["-9", "--", $"-{pid}"]);
                await kill.WaitForExitAsync();
            }
        }
    }

    private static string ChildPid(ExecdProfile profile, string body)
    {
        if (profile == ExecdProfile.Seed)
        {
            return JsonDocument.Parse(body).RootElement.GetProperty("stderr").GetString()!.Split('\n')[0];
        }
        return body.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => JsonDocument.Parse(line).RootElement)
            .First(e => e.GetProperty("type").GetString() == "stderr")
            .GetProperty("data").GetString()!;
    }

    /// <summary>Waits until execd's CPU time grows by at most one clock tick over half a second (before the fix it read at a core's speed forever).</summary>
    private static async Task UntilCpuTimeStopsGrowingAsync(ExecdProcess execd)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        var before = execd.CpuTime();
        while (true)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(500));
            var now = execd.CpuTime();
            if (now - before <= TimeSpan.FromMilliseconds(20))
            {
                return;
            }
            DateTime.UtcNow.ShouldBeLessThan(deadline, $"execd's CPU time kept growing ({(now - before).TotalMilliseconds} ms in the last 0.5 s)");
            before = now;
        }
    }
}
