
namespace Cmux.AppHost.Tests.Secrets;

/// <summary>
/// Stops every sandbox's execd with SIGTERM and reads what it logged. The sandbox host stops a
/// sandbox with SIGKILL (as PVE's stop does), which loses whatever execd's console logger still
/// queued; a graceful stop flushes it, and its "shutting down" line says the log is complete.
/// On the Docker runtime execd is a container's process and serves no socket here: the sandbox is
/// stopped through the host (<c>docker stop</c>: SIGTERM to the template's init, which passes it on).
/// </summary>
public static class ExecdShutdown
{
    public const string ShutdownLine = "Application is shutting down";

    /// <summary>Each sandbox's <c>execd.log</c> under the sandbox host's data folder, to its lines.</summary>
    public static async Task<IReadOnlyDictionary<string, IReadOnlyList<string>>> StopAndReadLogsAsync(
        string sandboxData, TimeSpan timeout, Func<int, Task>? stopContainer = null)
    {
        var logs = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        foreach (var sandbox in Directory.GetDirectories(Path.Combine(sandboxData, "sandboxes")))
        {
            var socket = Path.Combine(sandbox, "execd.sock");
            var execds = ProcessesServing(socket);
            if (execds.Count == 0 && stopContainer is not null && Directory.Exists(Path.Combine(sandbox, "logs")))
            {
                // The Docker runtime's layout: the container's /var/log/cmux is {sandbox}/logs.
                await stopContainer(int.Parse(Path.GetFileName(sandbox), System.Globalization.CultureInfo.InvariantCulture));
            }
            else
            {
                execds.ShouldNotBeEmpty($"no execd serves {socket}");
            }
            foreach (var pid in execds)
            {
                LocalProcesses.Terminate(pid);
            }
            var log = Path.Combine(sandbox, "execd.log");
            await Poll.UntilAsync(() => ReadLines(log).Any(l => l.Contains(ShutdownLine, StringComparison.Ordinal)),
                $"{log} has execd's '{ShutdownLine}' line", timeout);
            logs[log] = ReadLines(log);
        }
        return logs;
    }

    /// <summary>Read beside the sandbox host, which keeps the file open for writing.</summary>
    public static IReadOnlyList<string> ReadLines(string path)
    {
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var reader = new StreamReader(stream);
            return reader.ReadToEnd().Split('\n');
        }
        catch (FileNotFoundException)
        {
            return [];
        }
    }

    // execd itself, not the unshare and the shell that run it in its namespaces with the same arguments.
    private static List<int> ProcessesServing(string socket)
    {
        var listen = $"--urls=http://unix:{socket}";
        var found = new List<int>();
        foreach (var entry in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(entry), out var pid))
            {
                continue;
            }
            string[] argv;
            try
            {
                argv = File.ReadAllText(Path.Combine(entry, "cmdline")).Split('\0');
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                continue;
            }
            if (argv.Contains(listen) && Path.GetFileName(argv[0]) is not ("unshare" or "sh"))
            {
                found.Add(pid);
            }
        }
        return found;
    }

}
