using System.Net;
using System.Net.Http.Json;

namespace Cmux.Execd.Tests.Exec;

/// <summary>
/// Memory per request is bounded: eight commands at once, each writing 32 MiB to each stream, leave execd's peak
/// resident memory far from the GBs an unbounded buffer takes (seed: cut at MaxOutputBytes with
/// the marker; cmux: streamed, a line over 1 MiB dropped).
/// </summary>
[Trait(Category.Name, Category.Unit)]
[Trait(Feature.Name, Feature.Exec)]
public sealed class MemoryBoundTests
{
    private const long PeakLimit = 400L * 1024 * 1024;

    // Seed: text in 64-byte lines (what build logs look like). Cmux: one endless line, the stream's
    // worst case (a stream of short lines is paced by the client reading the events).
    private static string Command(ExecdProfile profile) => profile == ExecdProfile.Seed
        ? "yes 'execd output line, long enough to look like a real build log line.' | head -c 32M; yes 'and the same on stderr, long enough to look like a build log line...' | head -c 32M >&2"
        : "head -c 32M /dev/zero; head -c 32M /dev/zero >&2";

    [Theory]
    [InlineData(ExecdProfile.Seed)]
    [InlineData(ExecdProfile.Cmux)]
    public async Task Eight_large_outputs_at_once_stay_bounded(ExecdProfile profile)
    {
        await using var execd = await ExecdProcess.StartAsync(profile);

        var bodies = await Task.WhenAll(Enumerable.Range(0, 8).Select(async _ =>
        {
            using var response = await execd.Client.PostAsJsonAsync("/exec", new { command = Command(profile) });
            response.StatusCode.ShouldBe(HttpStatusCode.OK);
            return await response.Content.ReadAsStringAsync();
        }));

        foreach (var body in bodies)
        {
            body.ShouldContain(profile == ExecdProfile.Seed ? "[execd: output truncated at 1048576 bytes; " : "line exceeds");
        }
        execd.PeakRssBytes().ShouldBeLessThan(PeakLimit, $"peak RSS {execd.PeakRssBytes() / (1024 * 1024)} MiB");
    }
}
