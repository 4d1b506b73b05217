using System.Text.Json.Serialization;
using Cmux.Contract;
using Cmux.Fakes.Sandbox.Client;

namespace Cmux.Fakes.Morph.Instances;

/// <summary>Runs a command on an instance's machine: the sandbox's execd (seed profile, <c>POST /exec</c>).</summary>
public sealed class SandboxExec(HttpClient http)
{
    public const string HttpClientName = "execd";

    public async Task<ExecOutput> RunAsync(Instance instance, string shellCommand, CancellationToken ct)
    {
        var url = new Uri($"http://{instance.Address}:{SandboxPorts.Execd}/exec");
        using var response = await http.PostAsJsonAsync(url, new { command = shellCommand }, ct);
        if (!response.IsSuccessStatusCode)
        {
            throw new HttpRequestException(
                $"execd answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(ct)}", null, response.StatusCode);
        }
        return await response.Content.ReadFromJsonAsync<ExecOutput>(ct)
            ?? throw new HttpRequestException("execd answered an empty body");
    }

    /// <summary>
    /// Morph runs a single string (or a one-element list) through a shell; a longer list is an
    /// argv, which the shell receives quoted word by word so nothing in it is interpreted.
    /// </summary>
    public static string ToShellCommand(IReadOnlyList<string> command) =>
        command.Count == 1 ? command[0] : string.Join(' ', command.Select(Quote));

    private static string Quote(string word) => "'" + word.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
}

/// <summary>execd's seed-profile answer.</summary>
public sealed record ExecOutput(
    [property: JsonPropertyName("stdout")] string Stdout,
    [property: JsonPropertyName("stderr")] string Stderr,
    [property: JsonPropertyName("exitCode")] int ExitCode);
