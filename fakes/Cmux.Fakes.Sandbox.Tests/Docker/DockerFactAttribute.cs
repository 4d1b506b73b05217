using System.Diagnostics;
using System.Net.Sockets;

using Cmux.Fakes.Sandbox.Docker;

namespace Cmux.Fakes.Sandbox.Tests.Docker;

/// <summary>
/// A fact that needs a Docker engine and the sandbox template image (eng/template), and is reported
/// as skipped, with the reason, when either is missing or <c>CMUX_DOCKER=0</c> leaves them out:
/// never as passed. Checked once per test run.
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class DockerFactAttribute : FactAttribute
{
    public DockerFactAttribute()
    {
        if (DockerEnvironment.SkipReason is { } reason)
        {
            Skip = reason;
        }
    }
}

/// <summary>Whether a Docker engine answers here and which template image the current recipe builds.</summary>
public static class DockerEnvironment
{
    private static readonly Lazy<string?> Image = new(FindTemplateImage);
    private static readonly Lazy<string?> Reason = new(() =>
        LeftOut(Environment.GetEnvironmentVariable("CMUX_DOCKER")) ?? Check(Endpoint(), Image.Value));

    /// <summary><c>cmux-template:{recipe hash}</c>, from <c>eng/template/build.sh --print-image</c>; null when that fails.</summary>
    public static string? TemplateImage => Image.Value;

    /// <summary>Null when Docker answers and the template image is there; otherwise why docker tests cannot run.</summary>
    public static string? SkipReason => Reason.Value;

    /// <summary>The engine's socket (see <see cref="DockerSocket"/>).</summary>
    public static string Endpoint() => DockerSocket.Path();

    /// <summary>Why the docker tests are left out when <c>CMUX_DOCKER</c> is <c>0</c> (whatever engine answers); otherwise null.</summary>
    public static string? LeftOut(string? cmuxDocker) =>
        cmuxDocker == "0" ? "CMUX_DOCKER=0: the docker tests are left out of this run" : null;

    /// <summary>Asks the engine at <paramref name="socket"/> for <c>/_ping</c>, then for the image.</summary>
    public static string? Check(string socket, string? image)
    {
        if (image is null)
        {
            return "the template image's name is unknown: eng/template/build.sh --print-image failed";
        }
        using var http = DockerSocket.Client(socket, TimeSpan.FromSeconds(5));
        try
        {
            using var ping = http.GetAsync("http://docker/_ping").GetAwaiter().GetResult();
            if (!ping.IsSuccessStatusCode)
            {
                return $"the Docker engine at {socket} answers {(int)ping.StatusCode} to /_ping";
            }
            using var inspected = http.GetAsync($"http://docker/images/{Uri.EscapeDataString(image)}/json").GetAwaiter().GetResult();
            return inspected.IsSuccessStatusCode
                ? null
                : $"the template image {image} is not in the Docker engine: build it with eng/template/build.sh (nothing is pulled; eng/test.sh builds it when run as root)";
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or SocketException)
        {
            return $"no Docker engine answers at {socket} ({e.Message}): install docker.io and start dockerd to run docker tests (eng/test.sh does both when run as root)";
        }
    }

    private static string? FindTemplateImage()
    {
        var script = Path.Combine(RepositoryRoot.Find(), "eng", "template", "build.sh");
        if (!File.Exists(script))
        {
            return null;
        }
        using var process = Process.Start(new ProcessStartInfo("bash", [script, "--print-image"]) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        var output = process.StandardOutput.ReadToEnd().Trim();
        process.WaitForExit();
        return process.ExitCode == 0 && output.StartsWith("cmux-template:", StringComparison.Ordinal) ? output : null;
    }
}
