using System.Diagnostics;

namespace Cmux.Conformance.Tests.Repository;

/// <summary>The repository's own files (what git tracks, or every file but build output when there is no git), relative to its root.</summary>
public static class RepositoryFiles
{
    public static string Root { get; } = RepositoryRoot.Find();

    public static IReadOnlyList<string> All { get; } = List();

    public static bool Exists(string relative) =>
        File.Exists(Path.Combine(Root, relative)) || Directory.Exists(Path.Combine(Root, relative));

    private static List<string> List()
    {
        try
        {
            var start = new ProcessStartInfo("git", ["ls-files", "--cached", "--others", "--exclude-standard"])
            {
                WorkingDirectory = Root,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            using var git = Process.Start(start)!;
            var files = git.StandardOutput.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries).ToList();
            git.WaitForExit();
            if (git.ExitCode == 0)
            {
                return files.Where(f => File.Exists(Path.Combine(Root, f))).ToList();
            }
        }
        catch (System.ComponentModel.Win32Exception)
        {
            // No git: walk the tree instead.
        }
        return Directory.EnumerateFiles(Root, "*", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(Root, f))
            .Where(f => !f.Split(Path.DirectorySeparatorChar).Any(part => part is "bin" or "obj" or "artifacts" or ".git" or "node_modules"))
            .ToList();
    }
}
