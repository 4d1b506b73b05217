using System.Net;
using System.Text;
using Cmux.Contract;
using Microsoft.Extensions.Options;

namespace Cmux.Fakes.Sandbox.Lifecycle;

/// <summary>
/// A hosts file naming every sandbox, <c>127.1.0.200 cmux-200.lan cmux-200</c>, so the router (and
/// Caddy, given it as <c>/etc/hosts</c> through a bind mount) resolves LAN names without the
/// machine's <c>/etc/hosts</c> being edited. A sandbox whose hostname is not <c>cmux-{id}</c> (cmux
/// names its containers by instance id, <c>pvelxc-…</c>) is named by that too, with and without
/// the search domain, as PVE's DNS publishes it: cmux's client execs on <c>{hostname}.lan</c> first.
/// The address is the runtime's: the loopback one of the process runtime, or the container's on the
/// run's Docker network (the router runs on the host, where Docker's embedded DNS does not answer);
/// a sandbox whose address is not known yet (a container never started) has no line.
/// Rewritten in place (truncate and write, never a rename), because a bind mount pins the file's inode.
/// </summary>
public sealed class HostsFile(IOptions<SandboxHostOptions> options)
{
    private readonly SandboxHostOptions _options = options.Value;
    private readonly Lock _lock = new();

    public string Path => _options.EffectiveHostsFile;

    /// <summary>Every name of a sandbox: <c>cmux-{id}.lan cmux-{id}</c>, then its hostname with and without the domain when it differs.</summary>
    public static IReadOnlyList<string> Names(int id, string hostname, string searchDomain)
    {
        var shortName = SandboxNames.Hostname(id);
        List<string> names = [SandboxNames.LanName(id, searchDomain), shortName];
        if (hostname != shortName)
        {
            names.AddRange([$"{hostname}.{searchDomain}", hostname]);
        }
        return names;
    }

    public void Write(IEnumerable<(int Id, string Hostname, IPAddress? Address)> sandboxes)
    {
        var text = new StringBuilder()
            .AppendLine("# Written by the cmux sandbox host: one line per sandbox, at the address its runtime gave it.")
            .AppendLine("127.0.0.1 localhost")
            .AppendLine("::1 localhost ip6-localhost ip6-loopback");
        foreach (var (id, hostname, address) in sandboxes.Where(s => s.Address is not null).OrderBy(s => s.Id))
        {
            text.AppendLine($"{address} {string.Join(' ', Names(id, hostname, _options.SearchDomain))}");
        }
        var bytes = Encoding.ASCII.GetBytes(text.ToString());
        lock (_lock)
        {
            Directory.CreateDirectory(System.IO.Path.GetDirectoryName(Path)!);
            using var file = new FileStream(Path, FileMode.OpenOrCreate, FileAccess.Write, FileShare.ReadWrite);
            file.SetLength(0);
            file.Write(bytes);
            file.Flush(flushToDisk: true);
        }
    }
}
