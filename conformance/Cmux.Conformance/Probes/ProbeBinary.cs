using System.Security.Cryptography;
using Cmux.Conformance.Runtime;

namespace Cmux.Conformance.Probes;

/// <summary>
/// The probe program (conformance/Cmux.Conformance.Probe, published native for linux-x64) as bytes
/// and their SHA-256, which names its cache folder in every sandbox. <c>CMUX_PROBE_BINARY</c> points
/// at another build; the default is the one <c>eng/build.sh</c> publishes to <c>artifacts/probe/</c>.
/// </summary>
public sealed class ProbeBinary
{
    public const string Variable = "CMUX_PROBE_BINARY";

    private ProbeBinary(string path, byte[] bytes)
    {
        Path = path;
        Bytes = bytes;
        Sha256 = Convert.ToHexStringLower(SHA256.HashData(bytes));
    }

    public string Path { get; }

    public byte[] Bytes { get; }

    public string Sha256 { get; }

    public static string DefaultPath => System.IO.Path.Combine(SuiteSettings.RepositoryRoot(), "artifacts", "probe", "cmux-probe");

    /// <summary><c>CMUX_PROBE_BINARY</c>, or the default.</summary>
    public static string ConfiguredPath => Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } given ? given : DefaultPath;

    public static ProbeBinary Load()
    {
        var path = ConfiguredPath;
        if (!File.Exists(path))
        {
            throw new FileNotFoundException(
                $"The probe binary is missing at {path}: run eng/build.sh (it publishes conformance/Cmux.Conformance.Probe), or set {Variable}.", path);
        }
        return new ProbeBinary(path, File.ReadAllBytes(path));
    }
}
