namespace Cmux.Fakes.Sandbox.Lifecycle;

/// <summary>
/// What cmux's template does at boot with its <c>cmux-token-init</c> service (docs/contracts.md §4.2):
/// an explicit <c>CMUX_EXECD_AUTH_TOKEN</c> in the first process's environment wins and is written
/// to the token file execd reads, owner-only. Without one the file is left as it is; the real
/// service would make a random token for a fresh clone, which only a caller reading it back could
/// use, so here a clone that was given none keeps the template's: none, and exec needs no token.
/// </summary>
public static class TokenInit
{
    public const string Variable = "CMUX_EXECD_AUTH_TOKEN";

    public const string FileName = ".worker-auth-token";

    public static void Apply(string home, IReadOnlyDictionary<string, string>? environment)
    {
        if (environment?.GetValueOrDefault(Variable) is not { Length: > 0 } token)
        {
            return;
        }
        var path = Path.Combine(home, FileName);
        File.Delete(path);
        var create = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            // Owner-only from its first byte: the token is a secret.
            create.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }
        using var writer = new StreamWriter(new FileStream(path, create));
        writer.Write(token);
    }
}
