using System.Globalization;
using System.Security.Cryptography;
using System.Text.RegularExpressions;

namespace Cmux.Conformance.Providers;

/// <summary>
/// What every sandbox the suite creates carries, so a run touches only what it made: the run's id
/// and when the sandbox was made. PVE keeps it as a tag and a line of the description, Morph as
/// metadata. A sweep deletes only sandboxes with a mark; an unmarked one is never touched.
/// </summary>
public sealed partial record SandboxMark(string RunId, DateTimeOffset CreatedAt)
{
    /// <summary>The tag (PVE) and <c>created-by</c> metadata value (Morph) of everything the suite makes.</summary>
    public const string Tag = "cmux-conformance";

    /// <summary>A new run: its id sorts by time, and two runs started in the same second still differ.</summary>
    public static SandboxMark NewRun(TimeProvider? time = null)
    {
        var now = (time ?? TimeProvider.System).GetUtcNow();
        return new(string.Create(CultureInfo.InvariantCulture, $"{now:yyyyMMddHHmmss}-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(3))}"), now);
    }

    /// <summary>This run's mark on a sandbox made now.</summary>
    public SandboxMark Now(TimeProvider? time = null) => this with { CreatedAt = (time ?? TimeProvider.System).GetUtcNow() };

    /// <summary>The PVE description line: <c>cmux-conformance run=... created=...</c>.</summary>
    public string DescriptionLine => string.Create(CultureInfo.InvariantCulture, $"{Tag} run={RunId} created={CreatedAt.ToUnixTimeSeconds()}");

    /// <summary>PVE tags: the suite's, and the run's (PVE allows <c>[a-z0-9_+.-]</c> in a tag).</summary>
    public string PveTags => $"{Tag};cmux-run-{RunId}";

    public IReadOnlyDictionary<string, string> MorphMetadata => new Dictionary<string, string>
    {
        ["created-by"] = Tag,
        ["cmux-run"] = RunId,
        ["cmux-created"] = CreatedAt.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture),
    };

    /// <summary>The mark in a PVE description, or null when it carries none.</summary>
    public static SandboxMark? FromDescription(string? description) =>
        description is not null && DescriptionPattern().Match(description) is { Success: true } m
            ? new(m.Groups["run"].Value, DateTimeOffset.FromUnixTimeSeconds(long.Parse(m.Groups["created"].Value, CultureInfo.InvariantCulture)))
            : null;

    /// <summary>The mark in Morph metadata, or null when it carries none.</summary>
    public static SandboxMark? FromMetadata(IReadOnlyDictionary<string, string>? metadata) =>
        metadata is not null
        && metadata.GetValueOrDefault("created-by") == Tag
        && metadata.GetValueOrDefault("cmux-run") is { Length: > 0 } run
        && long.TryParse(metadata.GetValueOrDefault("cmux-created"), NumberStyles.None, CultureInfo.InvariantCulture, out var created)
            ? new(run, DateTimeOffset.FromUnixTimeSeconds(created))
            : null;

    [GeneratedRegex(@"(?m)^cmux-conformance run=(?<run>[0-9a-z-]+) created=(?<created>\d+)\s*$")]
    private static partial Regex DescriptionPattern();
}
