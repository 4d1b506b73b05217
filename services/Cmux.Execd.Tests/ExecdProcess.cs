using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;

namespace Cmux.Execd.Tests;

/// <summary>
/// The real execd as a process of its own (the build's <c>Cmux.Execd</c> beside the tests), on a
/// unix socket in a temp folder: what needs execd's own CPU time, memory or environment, apart
/// from the test process. Disposing it kills it and removes the folder.
/// </summary>
public sealed class ExecdProcess : IAsyncDisposable
{
    private readonly Process _process;

    private ExecdProcess(Process process, string root, HttpClient client)
    {
        _process = process;
        Root = root;
        Client = client;
    }

    public string Root { get; }

    public string Workspace => Path.Combine(Root, "workspace");

    public HttpClient Client { get; }

    public int Pid => _process.Id;

    public static async Task<ExecdProcess> StartAsync(ExecdProfile profile, IReadOnlyDictionary<string, string>? environment = null, params string[] settings)
    {
        var root = Directory.CreateTempSubdirectory("cmux-execd-proc-").FullName;
        Directory.CreateDirectory(Path.Combine(root, "home"));
        Directory.CreateDirectory(Path.Combine(root, "workspace"));
        var socket = Path.Combine(root, "execd.sock");
        var startInfo = new ProcessStartInfo(Path.Combine(AppContext.BaseDirectory, "Cmux.Execd"))
        {
            ArgumentList =
            {
                $"--urls=http://unix:{socket}",
                "--Logging:LogLevel:Default=Warning",
                $"--Execd:Profile={profile}",
                $"--Execd:Home={Path.Combine(root, "home")}",
                $"--Execd:Workspace={Path.Combine(root, "workspace")}",
                $"--Execd:TokenFiles:0={Path.Combine(root, "no-token")}",
            },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var setting in settings)
        {
            startInfo.ArgumentList.Add($"--Execd:{setting}");
        }
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            startInfo.Environment[name] = value;
        }
        var process = Process.Start(startInfo)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var client = new HttpClient(SocketHandler(socket)) { BaseAddress = new Uri("http://execd"), Timeout = TimeSpan.FromSeconds(90) };
        var execd = new ExecdProcess(process, root, client);
        try
        {
            await Poll.UntilAsync(() => process.HasExited || Answers(client), "execd answers on its socket", TimeSpan.FromSeconds(60));
            process.HasExited.ShouldBeFalse("execd exited before it answered");
        }
        catch
        {
            await execd.DisposeAsync();
            throw;
        }
        return execd;
    }

    /// <summary>User plus system CPU time execd has used so far (<c>/proc/PID/stat</c>).</summary>
    public TimeSpan CpuTime()
    {
        var stat = File.ReadAllText($"/proc/{Pid}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        // Fields 14 and 15 of proc(5), counted after the command name: utime and stime in clock ticks (100 Hz).
        var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
        return TimeSpan.FromMilliseconds(ticks * 10);
    }

    /// <summary>The most resident memory execd has had (<c>VmHWM</c>), in bytes.</summary>
    public long PeakRssBytes()
    {
        var line = File.ReadLines($"/proc/{Pid}/status").First(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
        return long.Parse(line["VmHWM:".Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) * 1024;
    }

    /// <summary>Whether execd still holds a file descriptor on the pipe <paramref name="pipe"/> (<c>pipe:[inode]</c>).</summary>
    public bool HoldsPipe(string pipe) =>
        Directory.EnumerateFiles($"/proc/{Pid}/fd").Any(fd => ReadLink(fd) == pipe);

    public static string? ReadLink(string path)
    {
        try
        {
            return new FileInfo(path).LinkTarget;
        }
        catch (IOException)
        {
            return null;
        }
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        if (!_process.HasExited)
        {
            _process.Kill();
        }
        await _process.WaitForExitAsync();
        _process.Dispose();
        Directory.Delete(Root, recursive: true);
    }

    private static bool Answers(HttpClient client)
    {
        try
        {
            using var response = client.GetAsync("/health").GetAwaiter().GetResult();
            return response.IsSuccessStatusCode;
        }
        catch (HttpRequestException)
        {
            return false;
        }
    }

    private static SocketsHttpHandler SocketHandler(string socketPath) => new()
    {
        ConnectCallback = async (_, ct) =>
        {
            var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            try
            {
                await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), ct);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        },
        UseProxy = false,
    };
}
