using Cmux.Contract;

namespace Cmux.Execd;

/// <summary>The <c>Execd</c> configuration section (see README.md).</summary>
public sealed class ExecdOptions
{
    public const string Section = "Execd";

    /// <summary>The token files the Go daemon reads, first non-empty wins.</summary>
    public static readonly IReadOnlyList<string> DefaultTokenFiles = ["/root/.worker-auth-token", "/home/user/.worker-auth-token"];

    public ExecdProfile Profile { get; set; } = ExecdProfile.Seed;

    /// <summary>HOME of every command unless the request's env says otherwise.</summary>
    public string Home { get; set; } = "/root";

    /// <summary>Default working directory, and where <c>/files</c> extracts (cmux profile).</summary>
    public string Workspace { get; set; } = "/workspace";

    /// <summary>Seed profile: timeout when the request gives none; 0 means none.</summary>
    public int DefaultTimeoutMs { get; set; } = 300_000;

    /// <summary>
    /// Seed profile: bytes kept per stream (stdout, stderr) before the output is cut. Small enough
    /// that <see cref="MaxConcurrentCommands"/> requests at once stay within tens of MB.
    /// </summary>
    public int MaxOutputBytes { get; set; } = 1024 * 1024;

    /// <summary>Commands (and <c>/files</c> uploads) running at once; more are answered 503. 0: no limit.</summary>
    public int MaxConcurrentCommands { get; set; } = 32;

    /// <summary>
    /// After the shell exits, how long output is still read while something else holds the pipes
    /// (a detached child); then execd stops reading and answers (Go's <c>exec.Cmd.WaitDelay</c>).
    /// </summary>
    public int WaitDelayMs { get; set; } = 2000;

    /// <summary>How long one write to the client may wait on a client that does not read; then it is disconnected and its command killed.</summary>
    public int ClientStallTimeoutMs { get; set; } = 30_000;

    /// <summary>Largest accepted <c>/exec</c> body.</summary>
    public int MaxRequestBytes { get; set; } = ExecContract.MaxRequestBytes;

    /// <summary>Largest accepted <c>/files</c> tar body (cmux profile).</summary>
    public long MaxUploadBytes { get; set; } = 1024L * 1024 * 1024;

    /// <summary>Cmux profile: token files, first non-empty wins; none found means no auth. Null: the Go daemon's.</summary>
    public string[]? TokenFiles { get; set; }

    /// <summary>Cmux profile: a token given directly (env <c>Execd__AuthToken</c>); wins over the files.</summary>
    public string? AuthToken { get; set; }

    public IReadOnlyList<string> EffectiveTokenFiles => TokenFiles is { Length: > 0 } files ? files : DefaultTokenFiles;
}

public enum ExecdProfile
{
    /// <summary>The seed's v1 contract: one JSON answer per exec.</summary>
    Seed,

    /// <summary>The current Go daemon's contract: NDJSON stream, token auth, <c>/files</c>.</summary>
    Cmux,
}
