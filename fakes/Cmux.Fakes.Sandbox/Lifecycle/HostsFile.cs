using System.Text;
using Cmux.Contract;
using Cmux.Fakes.Sandbox.Client;
using Microsoft.Extensions.Options;

namespace Cmux.Fakes.Sandbox.Lifecycle;

/// <summary>
/// A hosts file naming every sandbox, <c>127.1.0.200 cmux-200.lan cmux-200</c>, so the router (and
/// Caddy, given it as <c>/etc/hosts</c> through a bind mount) resolves LAN names without the
/// machine's <c>/etc/hosts</c> being edited. A sandbox whose hostname is not <c>cmux-{id}</c> (cmux
/// names its containers by instance id, <c>pvelxc-…</c>) is named by that too, with and without
/// the search domain, as PVE's DNS publishes it: cmux's client execs on <c>{hostname}.lan</c> first.
/// Rewritten in place (truncate and write, never a rename), because a bind mount pins the file's inode.
/// </summary>
public sealed class HostsFile(IOptions<SandboxHostOptions> options)
{
    private readonly SandboxHostOptions _options = options.Value;
    private readonly Lock _lock = new();

    public string Path => _options.EffectiveHostsFile;

    public void Write(IEnumerable<(int Id, string Hostname)> sandboxes)
    {
        var text = new StringBuilder()
            .AppendLine("# Written by the cmux sandbox host: one line per sandbox, 127.1.{id/256}.{id%256}.")
            .AppendLine("127.0.0.1 localhost")
            .AppendLine("::1 localhost ip6-localhost ip6-loopback");
        foreach (var (id, hostname) in sandboxes.OrderBy(s => s.Id))
        {
            var shortName = SandboxNames.Hostname(id);
            text.Append($"{SandboxAddress.For(id)} {SandboxNames.LanName(id, _options.SearchDomain)} {shortName}");
            text.AppendLine(hostname == shortName ? "" : $" {hostname}.{_options.SearchDomain} {hostname}");
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
