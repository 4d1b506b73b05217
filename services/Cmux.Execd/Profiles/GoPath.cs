namespace Cmux.Execd.Profiles;

/// <summary>Go's <c>path.Clean</c> as <c>http.ServeMux</c> applies it (a trailing slash kept), for the cmux profile's routing.</summary>
public static class GoPath
{
    public static string Clean(string path)
    {
        if (path.Length == 0)
        {
            return "/";
        }
        var rooted = path[0] == '/';
        var kept = new List<string>();
        foreach (var segment in path.Split('/'))
        {
            if (segment.Length == 0 || segment == ".")
            {
                continue;
            }
            if (segment == "..")
            {
                if (kept.Count > 0 && kept[^1] != "..")
                {
                    kept.RemoveAt(kept.Count - 1);
                }
                else if (!rooted)
                {
                    kept.Add(segment);
                }
                continue;
            }
            kept.Add(segment);
        }
        var clean = (rooted ? "/" : "") + string.Join('/', kept);
        if (clean.Length == 0)
        {
            clean = ".";
        }
        // ServeMux puts back the trailing slash path.Clean removes.
        return path[^1] == '/' && clean != "/" ? clean + "/" : clean;
    }
}
