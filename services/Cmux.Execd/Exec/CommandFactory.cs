using Microsoft.Extensions.Options;

namespace Cmux.Execd.Exec;

/// <summary>Turns a validated request into what the runner runs: the environment, the working directory, the limits.</summary>
public sealed class CommandFactory(IOptions<ExecdOptions> options)
{
    private readonly ExecdOptions _options = options.Value;

    public (CommandSpec? Spec, RequestError? Error) Create(ExecRequest request, TimeSpan? timeout)
    {
        var cwd = request.Cwd ?? DefaultDirectory();
        if (!Directory.Exists(cwd))
        {
            return (null, new RequestError(StatusCodes.Status400BadRequest, $"cwd does not exist: {cwd}"));
        }
        var env = new Dictionary<string, string>(ChildEnvironment.Inherited, StringComparer.Ordinal) { ["HOME"] = _options.Home };
        foreach (var (name, value) in request.Env)
        {
            env[name] = value;
        }
        return (new CommandSpec(request.Command, cwd, env, timeout, TimeSpan.FromMilliseconds(Math.Max(0, _options.WaitDelayMs))), null);
    }

    // The workspace when there is one, as in a cmux sandbox; otherwise HOME, otherwise the root.
    private string DefaultDirectory() =>
        Directory.Exists(_options.Workspace) ? _options.Workspace
        : Directory.Exists(_options.Home) ? _options.Home
        : "/";
}
