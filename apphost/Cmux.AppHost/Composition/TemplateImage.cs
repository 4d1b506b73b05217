using System.Diagnostics;

namespace Cmux.AppHost.Composition;

/// <summary>The sandbox template image the current recipe builds (eng/template), for <c>Cmux:Sandboxes=docker</c>.</summary>
public static class TemplateImage
{
    /// <summary>
    /// <c>cmux-template:{recipe hash}</c> as <c>eng/template/build.sh --print-image</c> names it (the
    /// script owns the hash; it builds nothing here). Whether the image exists the sandbox host
    /// checks at its start, saying how to build it.
    /// </summary>
    public static string ForRecipe(string repositoryRoot)
    {
        var script = Path.Combine(repositoryRoot, "eng", "template", "build.sh");
        if (!File.Exists(script))
        {
            throw new InvalidOperationException($"Cmux:Sandboxes=docker needs the template recipe at {script}, or Cmux:SandboxImage");
        }
        using var process = Process.Start(new ProcessStartInfo("bash", [script, "--print-image"]) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        var output = process.StandardOutput.ReadToEnd().Trim();
        var error = process.StandardError.ReadToEnd().Trim();
        process.WaitForExit();
        return process.ExitCode == 0 && output.StartsWith("cmux-template:", StringComparison.Ordinal)
            ? output
            : throw new InvalidOperationException($"{script} --print-image failed ({process.ExitCode}): {error}");
    }
}
