using System.Text.RegularExpressions;

namespace Cmux.Conformance.Tests.Repository;

/// <summary>
/// Every file the code and the docs cite is in the repository, so a clone is complete: Markdown
/// links resolve from the file that has them, repository paths (<c>docs/…</c>, <c>services/…</c>,
/// …) from the root, and the contract is cited by its path, <c>docs/contracts.md</c>.
/// </summary>
public sealed partial class CitationTests
{
    private static readonly string[] Cited = [".md", ".cs", ".sh", ".csproj", ".props", ".targets", ".yml", ".Caddyfile", ".lua", ".json"];

    private static IEnumerable<string> Sources() => RepositoryFiles.All
        .Where(f => Cited.Any(e => f.EndsWith(e, StringComparison.Ordinal)))
        .Where(f => Path.GetFileName(f) != $"{nameof(CitationTests)}.cs")
        .Where(f => new FileInfo(Path.Combine(RepositoryFiles.Root, f)).Length < 512 * 1024);

    [Fact]
    [Trait(Category.Name, Category.Unit)]
    [Trait(Feature.Name, Feature.Foundation)]
    public void Every_cited_file_is_in_the_repository()
    {
        var broken = new List<string>();
        foreach (var file in Sources())
        {
            var lines = File.ReadAllLines(Path.Combine(RepositoryFiles.Root, file));
            for (var n = 0; n < lines.Length; n++)
            {
                broken.AddRange(Problems(file, lines[n]).Select(p => $"{file}:{n + 1}: {p}"));
            }
        }
        broken.ShouldBeEmpty();
    }

    [Fact]
    [Trait(Category.Name, Category.Unit)]
    [Trait(Feature.Name, Feature.Foundation)]
    public void The_citation_rules_catch_what_they_are_for()
    {
        Problems("README.md", "see [the contract](docs/nowhere.md)").ShouldHaveSingleItem().ShouldContain("docs/nowhere.md");
        Problems("services/Cmux.Router/README.md", "see [the contract](../../docs/contracts.md#5)").ShouldBeEmpty();
        Problems("a.cs", "// as contracts.md section 4 says").ShouldHaveSingleItem().ShouldContain("docs/contracts.md");
        Problems("a.cs", "// docs/contracts.md §4 and services/Cmux.Execd/").ShouldBeEmpty();
        Problems("a.cs", "// see services/Cmux.Nothing/Here.cs").ShouldHaveSingleItem();
        Problems("a.cs", "/// <summary>As <c>eng/build.sh</c> makes it, [a-z0-9](?:x)</summary>").ShouldBeEmpty();
        Problems("docs/README.md", "- [contracts.md](contracts.md): the contract").ShouldBeEmpty();
        Problems("a.md", "written to artifacts/conformance/report.md, fetched from https://x.test/docs/a.md").ShouldBeEmpty();
    }

    private static List<string> Problems(string file, string line)
    {
        var problems = new List<string>();
        var markdown = file.EndsWith(".md", StringComparison.Ordinal);
        if (markdown)
        {
            var folder = Path.GetDirectoryName(file) ?? "";
            foreach (Match link in MarkdownLink().Matches(line))
            {
                var target = link.Groups["target"].Value;
                if (!target.Contains("://", StringComparison.Ordinal) && !target.StartsWith("mailto:", StringComparison.Ordinal)
                    && !RepositoryFiles.Exists(Path.GetRelativePath(".", Path.Combine(folder, target))))
                {
                    problems.Add($"{target} is not in the repository (a link)");
                }
            }
            // Link targets are checked from their file; the rest of the line from the root.
            line = MarkdownLink().Replace(line, "]()");
        }
        foreach (Match path in RepositoryPath().Matches(line))
        {
            if (!RepositoryFiles.Exists(path.Value.TrimEnd('.')))
            {
                problems.Add($"{path.Value} is not in the repository");
            }
        }
        if (!markdown && BareContract().IsMatch(line))
        {
            problems.Add("cites contracts.md or seed.md by name: cite docs/contracts.md, the file in this repository");
        }
        return problems;
    }

    [GeneratedRegex(@"\]\((?<target>[^)#\s]+)(#[^)]*)?\)")]
    private static partial Regex MarkdownLink();

    // A path from the root: not part of a URL, an absolute path, artifacts/ (made by runs) or a longer word.
    [GeneratedRegex(@"(?<![\w./:-])(?:docs|services|fakes|conformance|load|apphost|eng|\.ci|\.github)/[A-Za-z0-9_./-]*[A-Za-z0-9_-](?![\w{*])")]
    private static partial Regex RepositoryPath();

    [GeneratedRegex(@"(?<![\w/.-])(contracts|seed)\.md")]
    private static partial Regex BareContract();
}
