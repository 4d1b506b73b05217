using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace Cmux.Testing;

/// <summary>What tests need to run a child process of their own: a loopback port for it, and SIGTERM.</summary>
public static class LocalProcesses
{
    /// <summary>A loopback port nothing listens on right now, for a child process to bind.</summary>
    public static IPEndPoint FreeLoopbackEndpoint()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return (IPEndPoint)listener.LocalEndpoint;
    }

    public static int FreeLoopbackPort() => FreeLoopbackEndpoint().Port;

    /// <summary>
    /// SIGTERM, as a service manager or a terminal stops a process (<see cref="System.Diagnostics.Process.Kill()"/>
    /// only sends SIGKILL, which lets nothing shut down).
    /// </summary>
    public static void Terminate(int pid)
    {
        if (Kill(pid, SigTerm) != 0)
        {
            throw new InvalidOperationException($"kill -TERM {pid} failed: errno {Marshal.GetLastPInvokeError()}");
        }
    }

    private const int SigTerm = 15;

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);
}
