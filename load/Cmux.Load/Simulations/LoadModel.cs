using System.Globalization;

namespace Cmux.Load.Simulations;

/// <summary>
/// How load is applied, ramping linearly from <see cref="Start"/> to <see cref="End"/> over the
/// measured window (warm-up runs at <see cref="Start"/>). Written <c>closed:32</c>,
/// <c>closed:8..64</c>, <c>open:5000</c> or <c>open:1000..5000</c>.
/// </summary>
public abstract record LoadModel(double Start, double End)
{
    public abstract string Kind { get; }

    public double ValueAt(double progress) => Start + ((End - Start) * progress);

    public sealed override string ToString() =>
        Start == End
            ? string.Create(CultureInfo.InvariantCulture, $"{Kind}:{Start}")
            : string.Create(CultureInfo.InvariantCulture, $"{Kind}:{Start}..{End}");

    /// <summary>Keep N iterations in flight: N virtual users, each starting its next iteration when the last ends.</summary>
    public static ClosedModel Closed(int users) => Closed(users, users);

    public static ClosedModel Closed(int from, int to) => new(from, to);

    /// <summary>Start R iterations per second on schedule, whether or not earlier ones have finished.</summary>
    public static OpenModel Open(double perSecond) => Open(perSecond, perSecond);

    public static OpenModel Open(double from, double to) => new(from, to);

    public static LoadModel Parse(string text)
    {
        var colon = text.IndexOf(':', StringComparison.Ordinal);
        if (colon < 0)
        {
            throw new FormatException($"load model '{text}': expected closed:N, closed:A..B, open:R or open:A..B");
        }
        var kind = text[..colon].Trim().ToLowerInvariant();
        var range = text[(colon + 1)..].Split("..", StringSplitOptions.TrimEntries);
        if (range.Length is not (1 or 2))
        {
            throw new FormatException($"load model '{text}': expected one value or a range A..B");
        }
        var from = ParseValue(text, range[0]);
        var to = range.Length == 2 ? ParseValue(text, range[1]) : from;
        return kind switch
        {
            "closed" when from != Math.Floor(from) || to != Math.Floor(to) =>
                throw new FormatException($"load model '{text}': a closed model counts virtual users, whole numbers"),
            "closed" => Closed((int)from, (int)to),
            "open" => Open(from, to),
            _ => throw new FormatException($"load model '{text}': unknown kind '{kind}' (closed or open)"),
        };
    }

    private static double ParseValue(string text, string value) =>
        double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var parsed) && parsed > 0 && double.IsFinite(parsed)
            ? parsed
            : throw new FormatException($"load model '{text}': '{value}' is not a positive number");
}

public sealed record ClosedModel(int From, int To) : LoadModel(From, To)
{
    public override string Kind => "closed";

    public int UsersAt(double progress) => (int)Math.Round(ValueAt(progress));
}

public sealed record OpenModel(double From, double To) : LoadModel(From, To)
{
    public override string Kind => "open";
}
