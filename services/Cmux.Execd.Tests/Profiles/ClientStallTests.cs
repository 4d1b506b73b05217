using System.Net.Sockets;
using System.Text;

namespace Cmux.Execd.Tests.Profiles;

/// <summary>A client that stops reading a stream is disconnected after the stall timeout, and its command is killed.</summary>
[Trait(Category.Name, Category.Unit)]
[Trait(Feature.Name, Feature.Exec)]
public sealed class ClientStallTests
{
    [Fact]
    public async Task A_client_that_stops_reading_is_dropped_and_its_command_killed()
    {
        await using var execd = await ExecdServer.StartAsync(ExecdProfile.Cmux, "ClientStallTimeoutMs=1000");
        var pidFile = Path.Combine(execd.Root, "yes.pid");
        var body = $$"""{"command": "echo $$ > {{pidFile}}; exec yes"}""";
        using var client = new TcpClient { ReceiveBufferSize = 4096 };
        await client.ConnectAsync(execd.Url.Host, execd.Url.Port);
        var request = $"POST /exec HTTP/1.1\r\nHost: execd\r\nContent-Type: application/json\r\nContent-Length: {Encoding.UTF8.GetByteCount(body)}\r\n\r\n{body}";
        await client.GetStream().WriteAsync(Encoding.UTF8.GetBytes(request));

        // Never read: the stream backs up into execd, which must give up on this client.
        await Poll.UntilAsync(() => File.Exists(pidFile) && File.ReadAllText(pidFile).EndsWith('\n'), "the command started");
        var pid = int.Parse(await File.ReadAllTextAsync(pidFile));
        await Poll.UntilAsync(() => !Poll.IsAlive(pid), $"the stalled client's command (pid {pid}) is killed", TimeSpan.FromSeconds(60));
    }
}
