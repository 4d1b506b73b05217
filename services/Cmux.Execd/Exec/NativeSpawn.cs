using System.Runtime.InteropServices;

namespace Cmux.Execd.Exec;

/// <summary>
/// Starts a command with one <c>posix_spawn</c> (a vfork-style clone and one exec, no helper
/// binary): in a new session and process group, every signal but SIGHUP and SIGINT at its default
/// disposition and none blocked (as a Go parent leaves them: .NET ignores SIGPIPE and its children
/// would inherit that), stdin on <c>/dev/null</c>, stdout and stderr on fresh pipes.
/// </summary>
internal static unsafe partial class NativeSpawn
{
    private const short PosixSpawnSetSigDef = 0x04;
    private const short PosixSpawnSetSigMask = 0x08;
    private const short PosixSpawnSetSid = 0x80;
    private const int OCloexec = 0x80000;
    private const int SigHup = 1;
    private const int SigInt = 2;

    // glibc's posix_spawn_file_actions_t is 80 bytes, posix_spawnattr_t 336, sigset_t 128: room to spare.
    private const int OpaqueSize = 1024;

    /// <summary>The child's pid and the read ends of its stdout and stderr; an errno on failure.</summary>
    public static (int Pid, int Stdout, int Stderr, int Errno) Spawn(
        string path, IReadOnlyList<string> argv, IReadOnlyList<string> envp, string workingDirectory)
    {
        var stdout = stackalloc int[2];
        var stderr = stackalloc int[2];
        if (Pipe2(stdout, OCloexec) != 0)
        {
            return (0, -1, -1, Marshal.GetLastPInvokeError());
        }
        if (Pipe2(stderr, OCloexec) != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            Close(stdout[0]);
            Close(stdout[1]);
            return (0, -1, -1, errno);
        }

        var actions = stackalloc byte[OpaqueSize];
        var attributes = stackalloc byte[OpaqueSize];
        var defaults = stackalloc byte[OpaqueSize];
        var mask = stackalloc byte[OpaqueSize];
        var strings = new List<IntPtr>(argv.Count + envp.Count + 3);
        int pid = 0, result;
        try
        {
            FileActionsInit(actions);
            SpawnAttrInit(attributes);
            try
            {
                FileActionsAddChdir(actions, workingDirectory);
                FileActionsAddOpen(actions, 0, "/dev/null", 0, 0);
                FileActionsAddDup2(actions, stdout[1], 1);
                FileActionsAddDup2(actions, stderr[1], 2);

                SigFillSet(defaults);
                SigDelSet(defaults, SigHup);
                SigDelSet(defaults, SigInt);
                SigEmptySet(mask);
                SpawnAttrSetSigDefault(attributes, defaults);
                SpawnAttrSetSigMask(attributes, mask);
                SpawnAttrSetFlags(attributes, PosixSpawnSetSid | PosixSpawnSetSigDef | PosixSpawnSetSigMask);

                var argvArray = CStrings(argv, strings);
                var envpArray = CStrings(envp, strings);
                fixed (IntPtr* argvPointer = argvArray)
                fixed (IntPtr* envpPointer = envpArray)
                {
                    result = PosixSpawn(&pid, path, actions, attributes, argvPointer, envpPointer);
                }
            }
            finally
            {
                FileActionsDestroy(actions);
                SpawnAttrDestroy(attributes);
            }
        }
        finally
        {
            foreach (var pointer in strings)
            {
                Marshal.FreeCoTaskMem(pointer);
            }
            // The child has its own copies of the write ends; ours would keep the pipes from ever reaching EOF.
            Close(stdout[1]);
            Close(stderr[1]);
        }
        if (result != 0)
        {
            Close(stdout[0]);
            Close(stderr[0]);
            return (0, -1, -1, result);
        }
        return (pid, stdout[0], stderr[0], 0);
    }

    /// <summary>Waits (blocking) for the child to end and returns its raw wait status, or -errno.</summary>
    public static int Wait(int pid)
    {
        int status;
        while (WaitPid(pid, &status, 0) < 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            if (errno != 4)
            {
                return -errno; // not EINTR
            }
        }
        return status;
    }

    public static string Describe(int errno) => Marshal.GetPInvokeErrorMessage(errno);

    /// <summary>The child's status if it has ended (reaping it), else null; -errno on failure.</summary>
    public static int? TryWait(int pid)
    {
        int status;
        var result = WaitPid(pid, &status, 1); // WNOHANG
        return result == pid ? status : result == 0 ? null : -Marshal.GetLastPInvokeError();
    }

    /// <summary>A pidfd (readable once the process has ended), or -1 where the kernel has none (before 5.3).</summary>
    public static int PidFd(int pid)
    {
        try
        {
            return PidFdOpen(pid, 0);
        }
        catch (EntryPointNotFoundException)
        {
            return -1;
        }
    }

    /// <summary>An eventfd another thread writes to wake a <see cref="Poll"/>.</summary>
    public static int EventFd() => EventFdNative(0, OCloexec | 0x800); // EFD_NONBLOCK

    public static void Signal(int eventFd)
    {
        ulong one = 1;
        _ = Write(eventFd, &one, sizeof(ulong));
    }

    public static int Poll(PollFd* fds, int count, int timeoutMs)
    {
        int result;
        while ((result = PollNative(fds, (nuint)count, timeoutMs)) < 0 && Marshal.GetLastPInvokeError() == 4)
        {
        }
        return result;
    }

    /// <summary>read(2), retried on EINTR: bytes read, 0 at EOF, -errno on failure.</summary>
    public static int Read(int fd, byte* buffer, int count)
    {
        nint result;
        while ((result = ReadNative(fd, buffer, count)) < 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            if (errno != 4)
            {
                return -errno;
            }
        }
        return (int)result;
    }

    public static void CloseFd(int fd) => _ = Close(fd);

    [StructLayout(LayoutKind.Sequential)]
    public struct PollFd
    {
        public int Fd;
        public short Events;
        public short Revents;
    }

    [LibraryImport("libc", EntryPoint = "pidfd_open", SetLastError = true)]
    private static partial int PidFdOpen(int pid, uint flags);

    [LibraryImport("libc", EntryPoint = "eventfd", SetLastError = true)]
    private static partial int EventFdNative(uint initial, int flags);

    [LibraryImport("libc", EntryPoint = "poll", SetLastError = true)]
    private static partial int PollNative(PollFd* fds, nuint count, int timeoutMs);

    [LibraryImport("libc", EntryPoint = "read", SetLastError = true)]
    private static partial nint ReadNative(int fd, byte* buffer, nint count);

    [LibraryImport("libc", EntryPoint = "write", SetLastError = true)]
    private static partial nint Write(int fd, void* buffer, nint count);

    private static IntPtr[] CStrings(IReadOnlyList<string> values, List<IntPtr> owned)
    {
        var array = new IntPtr[values.Count + 1];
        for (var i = 0; i < values.Count; i++)
        {
            array[i] = Marshal.StringToCoTaskMemUTF8(values[i]);
            owned.Add(array[i]);
        }
        return array;
    }

    [LibraryImport("libc", EntryPoint = "pipe2", SetLastError = true)]
    private static partial int Pipe2(int* fds, int flags);

    [LibraryImport("libc", EntryPoint = "close")]
    private static partial int Close(int fd);

    [LibraryImport("libc", EntryPoint = "waitpid", SetLastError = true)]
    private static partial int WaitPid(int pid, int* status, int options);

    [LibraryImport("libc", EntryPoint = "posix_spawn", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int PosixSpawn(int* pid, string path, void* actions, void* attributes, IntPtr* argv, IntPtr* envp);

    [LibraryImport("libc", EntryPoint = "posix_spawn_file_actions_init")]
    private static partial int FileActionsInit(void* actions);

    [LibraryImport("libc", EntryPoint = "posix_spawn_file_actions_destroy")]
    private static partial int FileActionsDestroy(void* actions);

    [LibraryImport("libc", EntryPoint = "posix_spawn_file_actions_addchdir_np", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int FileActionsAddChdir(void* actions, string path);

    [LibraryImport("libc", EntryPoint = "posix_spawn_file_actions_addopen", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int FileActionsAddOpen(void* actions, int fd, string path, int flags, int mode);

    [LibraryImport("libc", EntryPoint = "posix_spawn_file_actions_adddup2")]
    private static partial int FileActionsAddDup2(void* actions, int fd, int newFd);

    [LibraryImport("libc", EntryPoint = "posix_spawnattr_init")]
    private static partial int SpawnAttrInit(void* attributes);

    [LibraryImport("libc", EntryPoint = "posix_spawnattr_destroy")]
    private static partial int SpawnAttrDestroy(void* attributes);

    [LibraryImport("libc", EntryPoint = "posix_spawnattr_setflags")]
    private static partial int SpawnAttrSetFlags(void* attributes, short flags);

    [LibraryImport("libc", EntryPoint = "posix_spawnattr_setsigdefault")]
    private static partial int SpawnAttrSetSigDefault(void* attributes, void* signals);

    [LibraryImport("libc", EntryPoint = "posix_spawnattr_setsigmask")]
    private static partial int SpawnAttrSetSigMask(void* attributes, void* signals);

    [LibraryImport("libc", EntryPoint = "sigfillset")]
    private static partial int SigFillSet(void* set);

    [LibraryImport("libc", EntryPoint = "sigemptyset")]
    private static partial int SigEmptySet(void* set);

    [LibraryImport("libc", EntryPoint = "sigdelset")]
    private static partial int SigDelSet(void* set, int signal);
}
