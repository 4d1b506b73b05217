using System.Collections.Concurrent;

namespace Cmux.Fakes.Morph.Instances;

/// <summary>Morph's instance statuses as they appear on the wire.</summary>
public static class InstanceStatus
{
    public const string Pending = "pending";
    public const string Ready = "ready";
    public const string Paused = "paused";
    public const string Error = "error";
}

public static class AuthMode
{
    public const string None = "none";
    public const string ApiKey = "api_key";

    public static bool IsKnown(string mode) => mode is None or ApiKey;
}

/// <summary>An exposed HTTP service; it survives pause and resume, as Morph keeps it server-side.</summary>
public sealed record HttpService(string Name, int Port, string AuthMode);

/// <summary>
/// One instance and the sandbox behind it. <see cref="Status"/> changes under the instance's
/// lock; sandbox operations for one instance are serialised by <see cref="SandboxGate"/> so a
/// delete during boot never races the boot's create.
/// </summary>
public sealed class Instance(string id, int sandboxId, string snapshotId, IReadOnlyDictionary<string, string> metadata, InstanceTtl ttl)
{
    private readonly Lock _lock = new();
    private string _status = InstanceStatus.Pending;

    public string Id { get; } = id;
    public int SandboxId { get; } = sandboxId;

    /// <summary>
    /// Where the sandbox is reached: the address the sandbox host reported at its start (a container's
    /// on the Docker runtime), the process runtime's loopback formula until then.
    /// </summary>
    public System.Net.IPAddress Address { get; set; } = Cmux.Fakes.Sandbox.Client.SandboxAddress.For(sandboxId);
    public string SnapshotId { get; } = snapshotId;
    public DateTimeOffset Created { get; } = DateTimeOffset.UtcNow;
    public IReadOnlyDictionary<string, string> Metadata { get; } = metadata;
    public InstanceTtl Ttl { get; } = ttl;
    public ConcurrentDictionary<string, HttpService> Services { get; } = new(StringComparer.Ordinal);

    /// <summary>Whether an SSH attempt or an HTTP request would wake the instance from pause (both off at start).</summary>
    public WakeOn WakeOn { get; set; } = new(Ssh: false, Http: false);
    public SemaphoreSlim SandboxGate { get; } = new(1, 1);

    /// <summary>Cancelled when the instance is deleted, so a boot still in progress stops.</summary>
    public CancellationTokenSource Deleted { get; } = new();

    public string Status
    {
        get
        {
            lock (_lock)
            {
                return _status;
            }
        }
    }

    /// <summary>Moves to <paramref name="to"/> only from <paramref name="from"/>; false otherwise.</summary>
    public bool TryMove(string from, string to)
    {
        lock (_lock)
        {
            if (_status != from)
            {
                return false;
            }
            _status = to;
            return true;
        }
    }

    public void Fail()
    {
        lock (_lock)
        {
            _status = InstanceStatus.Error;
        }
    }
}

public sealed record InstanceTtl(int? Seconds, string? Action);

/// <summary>Morph's wake-on settings; the fake stores them and reports them, it wakes nothing (README).</summary>
public sealed record WakeOn(bool Ssh, bool Http);
