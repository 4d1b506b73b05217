using System.Formats.Tar;
using System.Runtime.InteropServices;

namespace Cmux.Execd.Files;

/// <summary>
/// Extracts a tar stream into the workspace, as <c>tar -x -C workspace</c> does for cmux's Go
/// daemon (leading <c>/</c> stripped, members naming <c>..</c> skipped, symlinks created as
/// written), except that nothing is ever written outside the workspace: every directory on a
/// member's way is resolved (symlinks, chained ones too, followed to the end) and must stay
/// inside; a member that would leave is skipped and reported. A member's own name, when it is an
/// existing symlink, is replaced, never written through.
/// </summary>
/// <remarks>
/// The check and the write are separate steps: a command running at the same moment could swap
/// a checked directory for a symlink in between. Such a command can write anywhere execd can
/// anyway, so this bounds what an archive does, not what a command does.
/// </remarks>
public static partial class WorkspaceTar
{
    /// <summary>Extracts; returns the problems (members skipped and why), empty when all went in.</summary>
    public static async Task<IReadOnlyList<string>> ExtractAsync(Stream tar, string workspace, CancellationToken ct)
    {
        Directory.CreateDirectory(workspace);
        var root = RealPath(workspace) ?? throw new IOException($"cannot resolve {workspace}");
        var counted = new CountingStream(tar);
        var problems = new List<string>();
        await using var reader = new TarReader(counted);
        var members = 0;
        while (await reader.GetNextEntryAsync(copyData: false, ct) is { } entry)
        {
            members++;
            if (entry.EntryType is TarEntryType.GlobalExtendedAttributes)
            {
                continue;
            }
            if (await ExtractOneAsync(entry, root, ct) is { } problem)
            {
                problems.Add($"{entry.Name}: {problem}");
            }
        }
        if (members == 0 && counted.BytesRead == 0)
        {
            problems.Add("the body is empty, not a tar archive");
        }
        return problems;
    }

    private static async Task<string?> ExtractOneAsync(TarEntry entry, string root, CancellationToken ct)
    {
        var (parent, name, problem) = Locate(root, entry.Name);
        if (problem is not null)
        {
            return problem;
        }
        if (name is null)
        {
            return null; // the workspace itself
        }
        var target = Path.Combine(parent!, name);
        switch (entry.EntryType)
        {
            case TarEntryType.Directory:
                if (IsSymlink(target) || File.Exists(target))
                {
                    File.Delete(target);
                }
                Directory.CreateDirectory(target);
                SetMode(target, entry.Mode);
                return null;
            case TarEntryType.RegularFile or TarEntryType.V7RegularFile or TarEntryType.ContiguousFile:
                RemoveExisting(target);
                await using (var file = new FileStream(target, FileMode.CreateNew, FileAccess.Write, FileShare.None, 64 * 1024, useAsync: true))
                {
                    if (entry.DataStream is { } data)
                    {
                        await data.CopyToAsync(file, ct);
                    }
                }
                SetMode(target, entry.Mode);
                File.SetLastWriteTimeUtc(target, entry.ModificationTime.UtcDateTime);
                return null;
            case TarEntryType.SymbolicLink:
                RemoveExisting(target);
                File.CreateSymbolicLink(target, entry.LinkName);
                return null;
            case TarEntryType.HardLink:
                var (linkParent, linkName, linkProblem) = Locate(root, entry.LinkName);
                if (linkProblem is not null || linkName is null)
                {
                    return $"hard link target {entry.LinkName}: {linkProblem ?? "is the workspace"}";
                }
                var source = Path.Combine(linkParent!, linkName);
                if (IsSymlink(source) || !File.Exists(source))
                {
                    return $"hard link target {entry.LinkName} is not a regular file in the archive";
                }
                RemoveExisting(target);
                return Link(source, target) == 0 ? null : $"cannot link to {entry.LinkName}: errno {Marshal.GetLastPInvokeError()}";
            default:
                return $"{entry.EntryType} members are not extracted";
        }
    }

    /// <summary>
    /// The real directory a member goes in (inside <paramref name="root"/>, created as needed) and
    /// its last name component; null name for the workspace itself.
    /// </summary>
    private static (string? Parent, string? Name, string? Problem) Locate(string root, string memberName)
    {
        var components = memberName.Split('/', StringSplitOptions.RemoveEmptyEntries).Where(c => c != ".").ToList();
        if (components.Contains(".."))
        {
            return (null, null, "member name contains '..'");
        }
        if (components.Count == 0)
        {
            return (root, null, null);
        }
        var current = root;
        foreach (var component in components[..^1])
        {
            var next = Path.Combine(current, component);
            if (!IsSymlink(next) && !Directory.Exists(next) && !File.Exists(next))
            {
                Directory.CreateDirectory(next);
            }
            var real = RealPath(next);
            if (real is null || !IsInside(root, real))
            {
                return (null, null, $"{component} leads outside the workspace");
            }
            if (!Directory.Exists(real))
            {
                return (null, null, $"{component} is not a directory");
            }
            current = real;
        }
        return (current, components[^1], null);
    }

    private static bool IsInside(string root, string path) =>
        path == root || path.StartsWith(root.EndsWith('/') ? root : root + "/", StringComparison.Ordinal);

    private static bool IsSymlink(string path) => new FileInfo(path).LinkTarget is not null;

    private static void RemoveExisting(string path)
    {
        if (IsSymlink(path) || File.Exists(path))
        {
            File.Delete(path);
        }
        else if (Directory.Exists(path))
        {
            Directory.Delete(path, recursive: true);
        }
    }

    private static void SetMode(string path, UnixFileMode mode)
    {
        // The archive's permission bits, never set-id or sticky bits from a stranger's archive.
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, mode & (UnixFileMode)0b111_111_111);
        }
    }

    /// <summary>realpath(3): the path with every symlink resolved, or null when it does not resolve.</summary>
    private static string? RealPath(string path)
    {
        var resolved = RealPathNative(path, IntPtr.Zero);
        if (resolved == IntPtr.Zero)
        {
            return null;
        }
        try
        {
            return Marshal.PtrToStringUTF8(resolved);
        }
        finally
        {
            Free(resolved);
        }
    }

    [LibraryImport("libc", EntryPoint = "realpath", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial IntPtr RealPathNative(string path, IntPtr resolved);

    [LibraryImport("libc", EntryPoint = "free")]
    private static partial void Free(IntPtr pointer);

    [LibraryImport("libc", EntryPoint = "link", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int Link(string existing, string created);

    /// <summary>Counts what was read, to tell an empty body from an archive of no members.</summary>
    private sealed class CountingStream(Stream inner) : Stream
    {
        public long BytesRead { get; private set; }

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => BytesRead; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => Count(inner.Read(buffer, offset, count));

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            Count(await inner.ReadAsync(buffer, cancellationToken));

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        private int Count(int read)
        {
            BytesRead += read;
            return read;
        }
    }
}
