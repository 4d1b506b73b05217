using System.Globalization;
using System.Text.RegularExpressions;

namespace Cmux.Fakes.Pve.Tasks;

/// <summary>
/// A task's id as PVE writes it: <c>UPID:{node}:{pid:08X}:{pstart:08X}:{starttime:08X}:{type}:{id}:{user}:</c>.
/// </summary>
public sealed partial record Upid(string Node, int Pid, long PStart, long StartTime, string Type, string Id, string User)
{
    public override string ToString() => $"UPID:{Node}:{Pid:X8}:{PStart:X8}:{StartTime:X8}:{Type}:{Id}:{User}:";

    public static Upid? Parse(string text)
    {
        var m = Pattern().Match(text);
        return m.Success
            ? new Upid(m.Groups[1].Value, (int)Hex(m.Groups[2].Value), Hex(m.Groups[3].Value), Hex(m.Groups[4].Value), m.Groups[5].Value, m.Groups[6].Value, m.Groups[7].Value)
            : null;
    }

    private static long Hex(string text) => long.Parse(text, NumberStyles.HexNumber, CultureInfo.InvariantCulture);

    // PVE::Tools::upid_decode's expression.
    [GeneratedRegex(@"^UPID:([a-zA-Z0-9](?:[a-zA-Z0-9\-]*[a-zA-Z0-9])?):([0-9A-Fa-f]{8}):([0-9A-Fa-f]{8,9}):([0-9A-Fa-f]{8}):([^:\s]+):([^:\s]*):([^:\s]+):$")]
    private static partial Regex Pattern();
}
