namespace Cmux.Load.Engine;

/// <summary>Why a step failed, as a load report groups failures.</summary>
public enum ErrorKind
{
    None,
    Timeout,
    ConnectionRefused,
    ConnectionReset,
    Tls,
    /// <summary>The open model could not start the request: too many already in flight.</summary>
    Overload,
    /// <summary>The response was not HTTP/1.x as RFC 9112 frames it.</summary>
    Protocol,
    Other,
}

/// <summary>What one step observed: a status code (0 when the protocol has none), an error, and body bytes.</summary>
public readonly record struct StepOutcome(int StatusCode, ErrorKind Error, long BytesSent, long BytesReceived)
{
    /// <summary>A step fails on a transport error or an HTTP status of 400 and above.</summary>
    public bool Failed => Error != ErrorKind.None || StatusCode >= 400;

    public static StepOutcome Of(ErrorKind error) => new(0, error, 0, 0);
}
