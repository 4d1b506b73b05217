using System.Net;

namespace Cmux.Conformance.Providers.Pve;

/// <summary>PVE refused a request: its status, its message, and per-parameter errors for a 400.</summary>
public sealed class PveApiException(HttpStatusCode status, string message, IReadOnlyDictionary<string, string> errors)
    : Exception(errors.Count == 0 ? message : $"{message} {string.Join("; ", errors.Select(e => $"{e.Key}: {e.Value.TrimEnd()}"))}")
{
    public HttpStatusCode Status { get; } = status;
    public IReadOnlyDictionary<string, string> Errors { get; } = errors;

    /// <summary>PVE's texts are the only signal it gives; cmux matches on them too.</summary>
    public bool Says(string text) => Message.Contains(text, StringComparison.OrdinalIgnoreCase);
}
