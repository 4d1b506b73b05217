using System.Runtime.InteropServices;

namespace Cmux.Execd.Exec;

/// <summary>Signals a whole process group: a command's children die with it.</summary>
internal static partial class ProcessGroup
{
    private const int SigKill = 9;

    /// <summary>SIGKILLs every process in the group led by <paramref name="leader"/>; a gone group is not an error.</summary>
    public static void Kill(int leader) => _ = KillNative(-leader, SigKill);

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int KillNative(int pid, int signal);
}
