using HdrHistogram;

namespace Cmux.Load.Engine;

/// <summary>
/// The counters of one step (or of whole iterations) while a run measures. Every member is safe to
/// update from many requests at once: the histogram is HdrHistogram's concurrent one, counters are
/// interlocked.
/// </summary>
public sealed class StepStatistics(string name)
{
    /// <summary>Latencies are recorded in microseconds, up to an hour (longer ones are clamped).</summary>
    public const long HighestMicroseconds = 3_600_000_000;

    private static readonly int ErrorKindCount = Enum.GetValues<ErrorKind>().Length;

    private readonly LongConcurrentHistogram _latency = new(1, HighestMicroseconds, 3);
    private readonly long[] _statusCodes = new long[600];
    private readonly long[] _errors = new long[ErrorKindCount];
    private long _ok;
    private long _failed;
    private long _bytesSent;
    private long _bytesReceived;

    public string Name { get; } = name;

    public long Ok => Volatile.Read(ref _ok);

    public long Failed => Volatile.Read(ref _failed);

    public long BytesSent => Volatile.Read(ref _bytesSent);

    public long BytesReceived => Volatile.Read(ref _bytesReceived);

    public void Record(long microseconds, in StepOutcome outcome)
    {
        Record(microseconds, outcome.Failed);
        if (outcome.StatusCode is > 0 and < 600)
        {
            Interlocked.Increment(ref _statusCodes[outcome.StatusCode]);
        }
        Interlocked.Increment(ref _errors[(int)outcome.Error]);
        Interlocked.Add(ref _bytesSent, outcome.BytesSent);
        Interlocked.Add(ref _bytesReceived, outcome.BytesReceived);
    }

    public void Record(long microseconds, bool failed)
    {
        _latency.RecordValue(Math.Clamp(microseconds, 1, HighestMicroseconds));
        Interlocked.Increment(ref failed ? ref _failed : ref _ok);
    }

    /// <summary>A copy of the latency histogram, consistent enough to read percentiles from.</summary>
    public HistogramBase LatencySnapshot() => _latency.Copy();

    public IReadOnlyDictionary<int, long> StatusCodes() =>
        Enumerable.Range(0, _statusCodes.Length)
            .Where(code => Volatile.Read(ref _statusCodes[code]) > 0)
            .ToDictionary(code => code, code => Volatile.Read(ref _statusCodes[code]));

    public IReadOnlyDictionary<ErrorKind, long> Errors() =>
        Enum.GetValues<ErrorKind>()
            .Where(kind => kind != ErrorKind.None && Volatile.Read(ref _errors[(int)kind]) > 0)
            .ToDictionary(kind => kind, kind => Volatile.Read(ref _errors[(int)kind]));
}
