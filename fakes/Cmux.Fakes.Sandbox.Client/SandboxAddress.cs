using System.Net;

namespace Cmux.Fakes.Sandbox.Client;

/// <summary>
/// Where a sandbox lives: every sandbox id (a PVE vmid, or the number the Morph fake gives an
/// instance) has its own loopback address, so two sandboxes serve the same port at once, as two
/// LXC containers on a LAN do. The formula is <c>127.1.{id / 256}.{id % 256}</c>, for ids 1..65535:
/// vmid 200 is <c>127.1.0.200</c>, vmid 9000 is <c>127.1.35.40</c>.
/// </summary>
public static class SandboxAddress
{
    public const int MinId = 1;
    public const int MaxId = 65535;

    public static IPAddress For(int id)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(id, MinId);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(id, MaxId);
        return new IPAddress([127, 1, (byte)(id >> 8), (byte)(id & 0xFF)]);
    }

    /// <summary>The inverse of <see cref="For"/>; null for an address outside the sandbox range.</summary>
    public static int? IdOf(IPAddress address)
    {
        var bytes = address.GetAddressBytes();
        if (bytes.Length != 4 || bytes[0] != 127 || bytes[1] != 1)
        {
            return null;
        }
        var id = (bytes[2] << 8) | bytes[3];
        return id is >= MinId and <= MaxId ? id : null;
    }
}
