using System.Text.Json;
using Cmux.Cloudflare.Api;

namespace Cmux.Provisioning;

/// <summary>
/// The output file (<see cref="ProvisioningOptions.OutputFile"/>): the run's result, secrets included.
/// It is written owner-only (0600) and replaced atomically every time a secret is issued, so a run
/// that fails later has already saved what it was given, and no reader ever sees half a file.
/// </summary>
public static class ProvisioningOutput
{
    public const UnixFileMode Mode = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>What an earlier run saved, or null when there is no file or it is not ours.</summary>
    public static ProvisioningResult? Read(string path)
    {
        try
        {
            return File.Exists(path) ? JsonSerializer.Deserialize<ProvisioningResult>(File.ReadAllText(path), CloudflareJson.Options) : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    public static void Write(string path, ProvisioningResult result)
    {
        var full = Path.GetFullPath(path);
        var folder = Path.GetDirectoryName(full)!;
        Directory.CreateDirectory(folder);
        // Created 0600 from the first byte (never written world-readable and then narrowed), then renamed over the old file.
        var temporary = Path.Combine(folder, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");
        var create = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            create.UnixCreateMode = Mode;
        }
        try
        {
            using (var stream = new FileStream(temporary, create))
            {
                JsonSerializer.Serialize(stream, result, CloudflareJson.Options);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temporary, full, overwrite: true);
        }
        finally
        {
            File.Delete(temporary);
        }
    }
}
