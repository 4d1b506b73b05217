namespace Cmux.Fakes.Cloudflare.Faults;

/// <summary>When an injected fault strikes: before the call has any effect, or after it took effect (the answer is lost).</summary>
public enum FaultTiming
{
    Before,
    After,
}

/// <summary>
/// Makes chosen API calls fail, so tests can stop a client at any step (e.g. the provisioning
/// run at <c>POST /accounts/*/access/apps</c>). Arm it in-process through the app's services;
/// each armed fault strikes once, on the first matching call after <c>skip</c> others.
/// A path is relative to <c>/client/v4</c>; <c>*</c> stands for one segment.
/// </summary>
public sealed class FaultInjector
{
    private readonly Lock _lock = new();
    private readonly List<Fault> _armed = [];
    private readonly List<string> _struck = [];

    /// <summary>The faults that struck, as <c>METHOD /path</c>, in order.</summary>
    public IReadOnlyList<string> Struck
    {
        get
        {
            lock (_lock)
            {
                return [.. _struck];
            }
        }
    }

    public void Fail(string method, string path, int skip = 0, FaultTiming timing = FaultTiming.Before, int status = StatusCodes.Status500InternalServerError)
    {
        lock (_lock)
        {
            _armed.Add(new Fault(method.ToUpperInvariant(), path.Trim('/').Split('/'), skip, timing, status));
        }
    }

    /// <summary>The fault for this call, if one is armed for it (and then disarmed).</summary>
    public Fault? Take(string method, string path)
    {
        lock (_lock)
        {
            var segments = path.Trim('/').Split('/');
            for (var i = 0; i < _armed.Count; i++)
            {
                var fault = _armed[i];
                if (fault.Method != method || !Matches(fault.Segments, segments))
                {
                    continue;
                }
                if (fault.Skip > 0)
                {
                    _armed[i] = fault with { Skip = fault.Skip - 1 };
                    continue;
                }
                _armed.RemoveAt(i);
                _struck.Add($"{method} {path}");
                return fault;
            }
            return null;
        }
    }

    private static bool Matches(string[] pattern, string[] segments) =>
        pattern.Length == segments.Length
        && pattern.Zip(segments).All(p => p.First == "*" || string.Equals(p.First, p.Second, StringComparison.Ordinal));

    public sealed record Fault(string Method, string[] Segments, int Skip, FaultTiming Timing, int Status);
}
