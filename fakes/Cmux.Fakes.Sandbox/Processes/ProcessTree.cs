using System.Runtime.InteropServices;

namespace Cmux.Fakes.Sandbox.Processes;

/// <summary>Signals a process and all its descendants, found through <c>/proc/{pid}/task/*/children</c>.</summary>
public static partial class ProcessTree
{
    public const int SigKill = 9;
    public const int SigCont = 18;
    public const int SigStop = 19;

    public static void Signal(int root, int signal)
    {
        foreach (var pid in WithDescendants(root))
        {
            _ = KillNative(pid, signal);
        }
    }

    public static IReadOnlyList<int> WithDescendants(int root)
    {
        var found = new List<int> { root };
        for (var i = 0; i < found.Count; i++)
        {
            found.AddRange(Children(found[i]));
        }
        return found;
    }

    private static IEnumerable<int> Children(int pid)
    {
        string[] tasks;
        try
        {
            tasks = Directory.GetDirectories($"/proc/{pid}/task");
        }
        catch (IOException)
        {
            return [];
        }
        var children = new List<int>();
        foreach (var task in tasks)
        {
            try
            {
                children.AddRange(File.ReadAllText(Path.Combine(task, "children"))
                    .Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(int.Parse));
            }
            catch (IOException)
            {
                // The task ended while we looked.
            }
        }
        return children;
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int KillNative(int pid, int signal);
}
