using Cmux.Contract;
using Cmux.Fakes.Pve.Telemetry;
using Cmux.Fakes.Sandbox.Client;
using Microsoft.Extensions.Options;

namespace Cmux.Fakes.Pve.State;

/// <summary>
/// The node's containers behind one lock: handlers check and change state atomically (a lock is
/// taken in the same critical section that checked it was free), as PVE does under its config lock.
/// </summary>
public sealed class NodeState
{
    private readonly Lock _gate = new();
    private readonly Dictionary<int, Container> _containers = [];
    private readonly PveFakeOptions _options;

    public NodeState(IOptions<PveFakeOptions> options, PveMetrics metrics)
    {
        _options = options.Value;
        Qemu = _options.Qemu.GroupBy(vm => vm.Vmid).ToDictionary(g => g.Key, g => g.Last());
        if (Qemu.ContainsKey(_options.TemplateVmid))
        {
            throw new InvalidOperationException($"Pve:Qemu names vmid {_options.TemplateVmid}, which is the template's");
        }
        var template = new Container(_options.TemplateVmid, TemplateConfig(_options.TemplateVmid));
        _containers[template.Vmid] = template;
        metrics.ObserveContainers(() => Read(all => all.Values.GroupBy(c => c.Kind).Select(g => KeyValuePair.Create(g.Key, g.Count())).ToList()));
    }

    /// <summary>The node's QEMU guests by vmid: fixed for the fake's lifetime, they only occupy ids.</summary>
    public IReadOnlyDictionary<int, QemuVmOptions> Qemu { get; }

    /// <summary>Whether a guest of either kind has the id, as PVE's cluster-wide vmid list says.</summary>
    public bool IsTaken(IReadOnlyDictionary<int, Container> containers, int vmid) => containers.ContainsKey(vmid) || Qemu.ContainsKey(vmid);

    /// <summary>PVE's text for a taken id: <c>VM</c> for a QEMU guest, <c>CT</c> for a container.</summary>
    public string KindOf(int vmid) => Qemu.ContainsKey(vmid) ? "VM" : "CT";

    public T Read<T>(Func<IReadOnlyDictionary<int, Container>, T> read)
    {
        lock (_gate)
        {
            return read(_containers);
        }
    }

    public T Write<T>(Func<Dictionary<int, Container>, T> write)
    {
        lock (_gate)
        {
            return write(_containers);
        }
    }

    public void Write(Action<Dictionary<int, Container>> write)
    {
        lock (_gate)
        {
            write(_containers);
        }
    }

    /// <summary>The seed's template: Debian, unprivileged, nesting on, the cmux services installed.</summary>
    private SortedDictionary<string, string> TemplateConfig(int vmid)
    {
        var config = BaseTemplateConfig(vmid);
        if (!string.IsNullOrWhiteSpace(_options.TemplateHookscript))
        {
            config["hookscript"] = _options.TemplateHookscript;
        }
        return config;
    }

    private static SortedDictionary<string, string> BaseTemplateConfig(int vmid) => new(StringComparer.Ordinal)
    {
        ["arch"] = "amd64",
        ["cores"] = "2",
        ["description"] = $"cmux sandbox template: execd {SandboxPorts.Execd}, worker {SandboxPorts.Worker}, VS Code {SandboxPorts.VsCode}, "
            + $"noVNC {SandboxPorts.NoVnc}, DevTools {SandboxPorts.DevTools}, terminal {SandboxPorts.Terminal}\n",
        ["features"] = "nesting=1",
        ["hostname"] = "cmux-template",
        ["memory"] = "4096",
        ["net0"] = Net0(vmid),
        ["ostype"] = "debian",
        ["rootfs"] = $"local-lvm:base-{vmid}-disk-0,size=8G",
        ["swap"] = "512",
        ["template"] = "1",
        ["unprivileged"] = "1",
    };

    /// <summary>A clone's configuration: the source's, with its own disk, MAC and address, and no template flag.</summary>
    public SortedDictionary<string, string> CloneConfig(Container source, int newid, string? hostname, string? description, bool linked)
    {
        var config = new SortedDictionary<string, string>(source.Config, StringComparer.Ordinal);
        config.Remove("template");
        config.Remove("lock");
        config["hostname"] = hostname ?? source.Hostname;
        config["net0"] = Net0(newid);
        var baseVolume = source.Config.GetValueOrDefault("rootfs", "").Split(',')[0];
        config["rootfs"] = linked ? $"{baseVolume}/vm-{newid}-disk-0,size=8G" : $"local-lvm:vm-{newid}-disk-0,size=8G";
        if (description is not null)
        {
            config["description"] = description;
        }
        return config;
    }

    /// <summary>The container's first network device, with the address its sandbox listens on.</summary>
    public static string Net0(int vmid)
    {
        var mac = $"BC:24:11:{(vmid >> 16) & 0xFF:X2}:{(vmid >> 8) & 0xFF:X2}:{vmid & 0xFF:X2}";
        var ip = vmid <= SandboxAddress.MaxId ? $"{SandboxAddress.For(vmid)}/16" : "dhcp";
        return $"name=eth0,bridge=vmbr0,gw=127.0.0.1,hwaddr={mac},ip={ip},type=veth";
    }
}
