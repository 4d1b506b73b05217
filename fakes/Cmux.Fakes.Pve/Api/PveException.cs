namespace Cmux.Fakes.Pve.Api;

/// <summary>
/// An error as PVE answers it: a status, a message (PVE's messages end with a newline, the reason
/// phrase carries it without), and for parameter errors the per-parameter texts.
/// </summary>
public sealed class PveException(int status, string message, IReadOnlyDictionary<string, string>? errors = null)
    : Exception(message.TrimEnd('\n'))
{
    public const string ParameterVerificationFailed = "Parameter verification failed.";

    public int Status { get; } = status;
    public IReadOnlyDictionary<string, string>? Errors { get; } = errors;

    /// <summary>A handler's <c>die</c>: PVE answers 500 with the message.</summary>
    public static PveException Handler(string message) => new(500, message);

    public static PveException Parameters(IReadOnlyDictionary<string, string> errors) => new(400, ParameterVerificationFailed, errors);

    public static PveException Parameter(string name, string message) => Parameters(new Dictionary<string, string> { [name] = message });

    public static PveException NotImplemented(string verb, string path) => new(501, $"Method '{verb} {path}' not implemented");

    /// <summary>Answered with an empty body after the configured delay.</summary>
    public static PveException Unauthorized(string reason) => new(401, reason);

    public static PveException Forbidden(string path, string privileges) => new(403, $"Permission check failed ({path}, {privileges})");

    /// <summary>The configuration file PVE looks for: its absence is how PVE says a CT does not exist.</summary>
    public static PveException NoSuchContainer(string node, int vmid) =>
        Handler($"Configuration file 'nodes/{node}/lxc/{vmid}.conf' does not exist");

    public static PveException Locked(string lockName) => Handler($"CT is locked ({lockName})");
}
