namespace Cmux.Contract;

/// <summary>
/// The two profiles of the PVE stack (docs/contracts.md §2, §4, §5): <see cref="Seed"/> is the
/// design document's (URL <c>port-{port}-vm-{vmid}</c>, JSON exec), <see cref="Cmux"/> is what
/// current cmux runs (URL <c>port-{port}-{instanceId}</c>, NDJSON exec, its Caddy rules).
/// </summary>
public static class Profiles
{
    public const string Seed = "seed";
    public const string Cmux = "cmux";

    public static readonly IReadOnlyList<string> All = [Seed, Cmux];

    /// <summary>The profile by name, case-insensitively; a clear error for anything else.</summary>
    public static string Parse(string? value, string setting) => value?.Trim().ToLowerInvariant() switch
    {
        null or "" or Seed => Seed,
        Cmux => Cmux,
        _ => throw new FormatException($"{setting} must be '{Seed}' or '{Cmux}', not '{value}'."),
    };
}
