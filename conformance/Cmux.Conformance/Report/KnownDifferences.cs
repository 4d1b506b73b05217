namespace Cmux.Conformance.Report;

/// <summary>The Morph/PVE differences contracts.md names (sections 4 and 8). Checks record what each provider did.</summary>
public static class KnownDifferences
{
    public static readonly IReadOnlyDictionary<string, string> All = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["exec-timeout"] = "How a timed-out command is reported: PVE execd answers exit code 124, Morph's client throws.",
        ["exec-output-normalisation"] = "Whether stdout keeps blank lines and the trailing newline (PVE v2 NDJSON drops them).",
        ["exec-wire-format"] = "The exec response's field names (exitCode / exit_code / NDJSON exit code).",
        ["url-auth"] = "What protects a sandbox URL: Cloudflare Access on PVE, nothing or an API key on Morph.",
        ["status-after-start"] = "The status a started sandbox reports: running (PVE) vs ready (Morph).",
        ["pause"] = "What pause does: keeps memory on Morph, is a stop on PVE.",
        ["stop"] = "What stop does: Morph's destroys the instance, PVE's halts it (delete is separate).",
        ["unknown-sandbox-answer"] = "The status code for a URL whose sandbox does not exist.",
        ["closed-port-answer"] = "The status code for a URL whose port nothing listens on.",
        ["time-to-ready"] = "Seconds from the create call until the sandbox serves its ports.",
    };
}
