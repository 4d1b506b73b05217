namespace Cmux.Fakes.Sandbox.Client;

/// <summary>The ports a cmux sandbox serves (docs/contracts.md §3).</summary>
public static class SandboxPorts
{
    public const int Execd = 39375;
    public const int WorkerPve = 39376;
    public const int Worker = 39377;
    public const int VsCode = 39378;
    public const int NoVnc = 39380;
    public const int DevTools = 39381;
    public const int Terminal = 39383;
    public const int Preview = 5173;

    public static readonly IReadOnlyList<int> All = [Execd, WorkerPve, Worker, VsCode, NoVnc, DevTools, Terminal, Preview];
}
