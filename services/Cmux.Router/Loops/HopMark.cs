using System.Security.Cryptography;
using Microsoft.Extensions.Primitives;

namespace Cmux.Router.Loops;

/// <summary>
/// The router's mark on every request it forwards: a <c>Via</c> entry (RFC 9110 §7.6.3) naming
/// this process with a random id. A request that arrives carrying this process's own entry has
/// come round a loop through some other hop (another proxy, another router); it is answered 508
/// at once, so a loop costs one extra hop instead of every descriptor of every process on it.
/// </summary>
public sealed class HopMark
{
    public HopMark() : this(Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8)))
    {
    }

    public HopMark(string id)
    {
        Pseudonym = $"cmux-router-{id}";
        Entry = $"1.1 {Pseudonym}";
    }

    /// <summary>The received-by name of this process, <c>cmux-router-{16 hex digits}</c>.</summary>
    public string Pseudonym { get; }

    /// <summary>The Via entry this process adds, <c>1.1 cmux-router-{id}</c>.</summary>
    public string Entry { get; }

    /// <summary>True when one of the request's Via entries is this process's.</summary>
    public bool IsOwn(StringValues via)
    {
        foreach (var value in via)
        {
            if (value is null)
            {
                continue;
            }
            foreach (var range in value.AsSpan().Split(','))
            {
                // "1.1 name" or "1.1 name (comment)": the second word is the received-by name.
                var entry = value.AsSpan(range).Trim();
                var space = entry.IndexOf(' ');
                if (space < 0)
                {
                    continue;
                }
                var name = entry[(space + 1)..].TrimStart();
                var end = name.IndexOfAny(' ', '\t');
                if ((end < 0 ? name : name[..end]).Equals(Pseudonym, StringComparison.Ordinal))
                {
                    return true;
                }
            }
        }
        return false;
    }
}
