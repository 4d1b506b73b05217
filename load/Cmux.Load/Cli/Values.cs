using System.Globalization;
using System.Text.RegularExpressions;

namespace Cmux.Load.Cli;

/// <summary>Parses the command line's value forms: durations (<c>500ms</c>, <c>10s</c>, <c>2m</c>), sizes (<c>64k</c>), counts.</summary>
internal static partial class Values
{
    public static TimeSpan Duration(string option, string text)
    {
        var match = DurationGrammar().Match(text);
        if (!match.Success)
        {
            throw new UsageException($"--{option} '{text}': expected a duration such as 500ms, 10s, 2m or 1h");
        }
        var value = double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
        return match.Groups[2].Value switch
        {
            "ms" => TimeSpan.FromMilliseconds(value),
            "" or "s" => TimeSpan.FromSeconds(value),
            "m" => TimeSpan.FromMinutes(value),
            _ => TimeSpan.FromHours(value),
        };
    }

    public static long Count(string option, string text, long min, long max)
    {
        var multiplier = text.EndsWith('k') ? 1_000 : text.EndsWith('M') ? 1_000_000 : 1;
        var digits = multiplier == 1 ? text : text[..^1];
        if (!long.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var value) || value * multiplier < min || value * multiplier > max)
        {
            throw new UsageException($"--{option} '{text}': expected a whole number from {min} to {max} (k and M suffixes allowed)");
        }
        return value * multiplier;
    }

    /// <summary>A size in bytes; k and m mean KiB and MiB.</summary>
    public static int Size(string option, string text)
    {
        var match = SizeGrammar().Match(text);
        if (!match.Success)
        {
            throw new UsageException($"--{option} '{text}': expected a size in bytes such as 32, 64k or 1m");
        }
        var value = long.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture) * match.Groups[2].Value.ToLowerInvariant() switch
        {
            "k" => 1024,
            "m" => 1024 * 1024,
            _ => 1,
        };
        return value <= 256 * 1024 * 1024 ? (int)value : throw new UsageException($"--{option} '{text}': at most 256m");
    }

    public static double Rate(string option, string text) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && value > 0 && double.IsFinite(value)
            ? value
            : throw new UsageException($"--{option} '{text}': expected a positive number per second");

    [GeneratedRegex(@"^(\d+(?:\.\d+)?)(ms|s|m|h|)$")]
    private static partial Regex DurationGrammar();

    [GeneratedRegex(@"^(\d{1,10})([kKmM]?)$")]
    private static partial Regex SizeGrammar();
}
