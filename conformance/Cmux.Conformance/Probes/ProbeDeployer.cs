using System.Globalization;
using System.Text;
using Cmux.Conformance.Providers;

namespace Cmux.Conformance.Probes;

/// <summary>
/// Installs and starts the probe in a sandbox through the provider's own exec API: the same path
/// on every provider, nothing baked into the template, nothing needed there but bash and coreutils.
/// The binary goes up in base64 chunks (each command stays well under Linux's 128 KiB limit for
/// one argument), lands in a folder named by its SHA-256 (a sandbox that has it skips the upload),
/// is started in its own session so it outlives the exec call, and is waited for on its port.
/// </summary>
public sealed class ProbeDeployer(ProbeBinary binary)
{
    /// <summary>The ports the probe serves: two, so a check can tell the URL's port reaches that port.</summary>
    public static readonly IReadOnlyList<int> Ports = [39390, 39391];

    /// <summary>Base64 characters per exec: 96 KiB, under the 128 KiB a single argv string may have.</summary>
    private const int ChunkCharacters = 96 * 1024;

    // The fake sandboxes share one network stack, one loopback address each, and name it here;
    // a real container has its own stack and the probe takes every address.
    private const string BindAddress = "\"${CMUX_SANDBOX_ADDRESS:-0.0.0.0}\"";

    // Under the home folder: a sandbox's own on every provider (the fake sandboxes share /tmp and /var/tmp).
    private string Folder => $"\"${{HOME:-/root}}/.cache/cmux-probe/{binary.Sha256}\"";

    public async Task DeployAsync(ISandboxProvider provider, SandboxHandle sandbox, CancellationToken ct)
    {
        if ((await RunAsync(provider, sandbox, $"test -x {Folder}/cmux-probe && echo cached || true", ct)).Stdout.Trim() != "cached")
        {
            await UploadAsync(provider, sandbox, ct);
        }
        // Started and waited for in one command: execd ends a command's process group when the
        // command ends, and the probe must have made its own session by then (it has once it answers).
        var ports = string.Join(',', Ports.Select(p => p.ToString(CultureInfo.InvariantCulture)));
        var wait = string.Join(" && ", Ports.Select(port =>
            $"until (exec 3<>/dev/tcp/${{CMUX_SANDBOX_ADDRESS:-127.0.0.1}}/{port}) 2>/dev/null; do " +
            $"i=$((i+1)); [ $i -gt 100 ] && {{ echo 'the probe does not answer on {port}:' >&2; cat probe.log >&2; exit 1; }}; sleep 0.1; done"));
        await RunAsync(provider, sandbox,
            $"cd {Folder} && if ! {{ [ -f probe.pid ] && kill -0 \"$(cat probe.pid)\" 2>/dev/null; }}; then " +
            $"setsid ./cmux-probe --port {ports} --bind {BindAddress} >probe.log 2>&1 </dev/null & echo $! >probe.pid; fi; i=0; {wait}", ct);
        foreach (var port in Ports)
        {
            await provider.PublishAsync(sandbox, port, ct);
        }
    }

    /// <summary>Stops the probe and removes it; the sandbox is as it was, but for what the probe was asked to do.</summary>
    public Task RemoveAsync(ISandboxProvider provider, SandboxHandle sandbox, CancellationToken ct) =>
        RunAsync(provider, sandbox, $"[ -f {Folder}/probe.pid ] && kill \"$(cat {Folder}/probe.pid)\" 2>/dev/null; rm -rf {Folder}; true", ct);

    private async Task UploadAsync(ISandboxProvider provider, SandboxHandle sandbox, CancellationToken ct)
    {
        var text = Convert.ToBase64String(binary.Bytes);
        await RunAsync(provider, sandbox, $"mkdir -p {Folder} && : > {Folder}/upload.b64", ct);
        for (var offset = 0; offset < text.Length; offset += ChunkCharacters)
        {
            var chunk = text.Substring(offset, Math.Min(ChunkCharacters, text.Length - offset));
            await RunAsync(provider, sandbox, new StringBuilder("printf %s '").Append(chunk).Append("' >> ").Append(Folder).Append("/upload.b64").ToString(), ct);
        }
        await RunAsync(provider, sandbox,
            $"cd {Folder} && base64 -d upload.b64 > cmux-probe.part && rm upload.b64 && " +
            $"echo '{binary.Sha256}  cmux-probe.part' | sha256sum -c --quiet && chmod +x cmux-probe.part && mv cmux-probe.part cmux-probe", ct);
    }

    private static async Task<ExecResult> RunAsync(ISandboxProvider provider, SandboxHandle sandbox, string command, CancellationToken ct)
    {
        var result = await provider.ExecAsync(sandbox, new ExecRequest(command, TimeSpan.FromSeconds(60)), ct);
        return result.ExitCode == 0
            ? result
            : throw new ProviderException(provider.Name, "deploy the probe", sandbox.Id,
                $"exit {result.ExitCode}: {result.Stderr.Trim()} (command: {(command.Length > 120 ? command[..120] + "..." : command)})");
    }
}
