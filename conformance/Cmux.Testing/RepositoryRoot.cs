namespace Cmux.Testing;

public static class RepositoryRoot
{
    /// <summary>The folder holding <c>Cmux.Conformance.sln</c> above the test assembly, where artifacts/ goes; else the current directory.</summary>
    public static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Cmux.Conformance.sln")))
            {
                return dir.FullName;
            }
        }
        return Directory.GetCurrentDirectory();
    }
}
