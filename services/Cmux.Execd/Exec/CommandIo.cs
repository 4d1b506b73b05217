namespace Cmux.Execd.Exec;

/// <summary>
/// A command's I/O, all of its waiting in one <c>poll(2)</c>: both output pipes, the process's
/// pidfd (its end) and a wake-up eventfd. It runs first on the request's own thread for a short
/// budget (an exec of <c>true</c> is over by then, and needs no other thread: thread hand-offs are
/// what such an exec mostly costs), then on a thread of its own. Output is handed to
/// <c>onOutput</c> as it is read (the seed profile appends synchronously; the cmux profile's network
/// write blocks this thread), the exit status is reaped here, and the readers stop when asked (the
/// wait delay is over) or at EOF.
/// </summary>
internal sealed unsafe class CommandIo
{
    private const short PollIn = 0x001;
    private const int BufferSize = 64 * 1024;

    private readonly int _pid;
    private readonly int[] _fds;
    private readonly bool[] _open = [true, true];
    private readonly byte[] _buffer = new byte[BufferSize];
    private readonly Func<OutputStream, ReadOnlyMemory<byte>, ValueTask> _onOutput;
    private readonly int _wake = NativeSpawn.EventFd();
    private readonly TaskCompletionSource<int> _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _drained = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _pidFd;
    private volatile bool _stop;

    public CommandIo(int pid, int stdout, int stderr, Func<OutputStream, ReadOnlyMemory<byte>, ValueTask> onOutput)
    {
        _pid = pid;
        _fds = [stdout, stderr];
        _onOutput = onOutput;
        _pidFd = NativeSpawn.PidFd(pid);
        if (_pidFd < 0)
        {
            // No pidfd (a kernel before 5.3): a blocking waitpid on a thread of its own.
            _ = Task.Factory.StartNew(() => _exited.TrySetResult(NativeSpawn.Wait(pid)), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        }
    }

    /// <summary>The raw wait status once the shell has ended (-errno if it could not be reaped).</summary>
    public Task<int> Exited => _exited.Task;

    /// <summary>Completes when both pipes are at EOF, or were closed after <see cref="StopReading"/>.</summary>
    public Task Drained => _drained.Task;

    /// <summary>
    /// Pumps on the calling thread for up to <paramref name="inlineBudget"/> (most commands are over
    /// by then, and the request needs no other thread at all), then on a thread of its own.
    /// </summary>
    public void Start(TimeSpan inlineBudget)
    {
        if (!Pump(Environment.TickCount64 + (long)inlineBudget.TotalMilliseconds))
        {
            new Thread(() => Pump(long.MaxValue)) { IsBackground = true, Name = $"execd pid {_pid}" }.Start();
        }
    }

    public void StopReading()
    {
        _stop = true;
        NativeSpawn.Signal(_wake);
    }

    /// <summary>Polls, reads and reaps until done (true) or until <paramref name="deadline"/> (<see cref="Environment.TickCount64"/>).</summary>
    private bool Pump(long deadline)
    {
        try
        {
            var set = stackalloc NativeSpawn.PollFd[4];
            while (!_stop && (_open[0] || _open[1] || _pidFd >= 0))
            {
                var count = 0;
                for (var i = 0; i < 2; i++)
                {
                    if (_open[i])
                    {
                        set[count++] = new NativeSpawn.PollFd { Fd = _fds[i], Events = PollIn };
                    }
                }
                if (_pidFd >= 0)
                {
                    set[count++] = new NativeSpawn.PollFd { Fd = _pidFd, Events = PollIn };
                }
                set[count++] = new NativeSpawn.PollFd { Fd = _wake, Events = PollIn };
                var timeout = deadline == long.MaxValue ? -1 : (int)Math.Max(0, deadline - Environment.TickCount64);
                var ready = NativeSpawn.Poll(set, count, timeout);
                if (ready == 0)
                {
                    return false;
                }
                if (ready < 0)
                {
                    break;
                }
                for (var j = 0; j < count; j++)
                {
                    if (set[j].Revents != 0)
                    {
                        Handle(set[j].Fd);
                    }
                }
                // A command that keeps writing never lets poll time out: hand over on the clock too.
                if (deadline != long.MaxValue && Environment.TickCount64 >= deadline && (_open[0] || _open[1] || _pidFd >= 0))
                {
                    return false;
                }
            }
            Finish();
        }
        catch (Exception e)
        {
            Fail(e);
        }
        return true;
    }

    private void Handle(int fd)
    {
        if (fd == _pidFd)
        {
            _exited.TrySetResult(NativeSpawn.TryWait(_pid) ?? NativeSpawn.Wait(_pid));
            NativeSpawn.CloseFd(_pidFd);
            _pidFd = -1;
            return;
        }
        if (fd == _wake)
        {
            return;
        }
        var stream = fd == _fds[0] ? 0 : 1;
        int read;
        fixed (byte* pointer = _buffer)
        {
            read = NativeSpawn.Read(fd, pointer, _buffer.Length);
        }
        if (read <= 0)
        {
            _open[stream] = false;
            return;
        }
        var pending = _onOutput((OutputStream)stream, _buffer.AsMemory(0, read));
        if (!pending.IsCompletedSuccessfully)
        {
            pending.AsTask().GetAwaiter().GetResult();
        }
    }

    private void Finish()
    {
        CloseAll();
        _drained.TrySetResult();
        if (_pidFd >= 0)
        {
            // The readers were stopped before the shell's end was seen.
            _exited.TrySetResult(NativeSpawn.Wait(_pid));
            NativeSpawn.CloseFd(_pidFd);
            _pidFd = -1;
        }
        NativeSpawn.CloseFd(_wake);
    }

    private void Fail(Exception e)
    {
        CloseAll();
        _drained.TrySetException(e);
        _exited.TrySetResult(NativeSpawn.Wait(_pid));
        if (_pidFd >= 0)
        {
            NativeSpawn.CloseFd(_pidFd);
            _pidFd = -1;
        }
        NativeSpawn.CloseFd(_wake);
    }

    private void CloseAll()
    {
        foreach (var fd in _fds)
        {
            NativeSpawn.CloseFd(fd);
        }
    }
}
