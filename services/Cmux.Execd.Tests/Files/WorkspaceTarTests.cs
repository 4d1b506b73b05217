using System.Formats.Tar;
using System.Net;

namespace Cmux.Execd.Tests.Files;

/// <summary>
/// <c>/files</c> never writes outside the workspace: not through symlinks (chained ones, ones the
/// archive makes, ones already there), not with <c>..</c>, not with a hard link; an absolute member
/// name lands under the workspace, as GNU tar puts it for Go's daemon. A member that would leave is
/// skipped and the answer is 500, as tar's failure is for Go.
/// </summary>
[Trait(Category.Name, Category.Unit)]
[Trait(Feature.Name, Feature.Exec)]
public sealed class WorkspaceTarTests : IAsyncLifetime
{
    private ExecdServer _execd = null!;

    public async Task InitializeAsync() => _execd = await ExecdServer.StartAsync(ExecdProfile.Cmux);

    public async Task DisposeAsync() => await _execd.DisposeAsync();

    [Fact]
    public async Task Chained_symlinks_made_by_the_archive_do_not_lead_out()
    {
        // b -> a/.. with a -> . is the workspace's parent.
        var response = await UploadAsync(Symlink("a", "."), Symlink("b", "a/.."), File("b/escaped.txt", "x"));

        await ShouldFailAsync(response, "b/escaped.txt: b leads outside the workspace");
        System.IO.File.Exists(Path.Combine(_execd.Root, "escaped.txt")).ShouldBeFalse();
    }

    [Fact]
    public async Task A_symlink_already_in_the_workspace_is_not_followed_out()
    {
        var outside = Directory.CreateDirectory(Path.Combine(_execd.Root, "outside")).FullName;
        Directory.CreateDirectory(Path.Combine(_execd.Workspace, "real"));
        System.IO.File.CreateSymbolicLink(Path.Combine(_execd.Workspace, "hop"), "real/../../outside");
        System.IO.File.CreateSymbolicLink(Path.Combine(_execd.Workspace, "out"), "hop");

        var response = await UploadAsync(File("out/x.txt", "x"), File("kept.txt", "kept"));

        await ShouldFailAsync(response, "out/x.txt: out leads outside the workspace");
        Directory.EnumerateFileSystemEntries(outside).ShouldBeEmpty();
        (await System.IO.File.ReadAllTextAsync(Path.Combine(_execd.Workspace, "kept.txt"))).ShouldBe("kept");
    }

    [Fact]
    public async Task A_member_named_like_a_symlink_replaces_it_instead_of_writing_through_it()
    {
        var victim = Path.Combine(_execd.Root, "victim.txt");
        await System.IO.File.WriteAllTextAsync(victim, "untouched");
        System.IO.File.CreateSymbolicLink(Path.Combine(_execd.Workspace, "note.txt"), victim);

        using var response = await UploadAsync(File("note.txt", "new"));

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await System.IO.File.ReadAllTextAsync(victim)).ShouldBe("untouched");
        new FileInfo(Path.Combine(_execd.Workspace, "note.txt")).LinkTarget.ShouldBeNull();
        (await System.IO.File.ReadAllTextAsync(Path.Combine(_execd.Workspace, "note.txt"))).ShouldBe("new");
    }

    [Fact]
    public async Task Dot_dot_members_are_skipped_and_the_rest_goes_in()
    {
        var response = await UploadAsync(File("../evil.txt", "x"), File("sub/../../evil2.txt", "x"), File("ok.txt", "ok"));

        await ShouldFailAsync(response, "../evil.txt: member name contains '..'");
        System.IO.File.Exists(Path.Combine(_execd.Root, "evil.txt")).ShouldBeFalse();
        System.IO.File.Exists(Path.Combine(_execd.Root, "evil2.txt")).ShouldBeFalse();
        System.IO.File.Exists(Path.Combine(_execd.Workspace, "ok.txt")).ShouldBeTrue();
    }

    [Fact]
    public async Task A_hard_link_to_a_file_outside_is_refused()
    {
        var victim = Path.Combine(_execd.Root, "victim.txt");
        await System.IO.File.WriteAllTextAsync(victim, "untouched");
        var link = new PaxTarEntry(TarEntryType.HardLink, "h") { LinkName = "../victim.txt" };

        var response = await UploadAsync(link);

        await ShouldFailAsync(response, "h: hard link target ../victim.txt");
        System.IO.File.Exists(Path.Combine(_execd.Workspace, "h")).ShouldBeFalse();
    }

    [Fact]
    public async Task An_absolute_member_name_lands_under_the_workspace()
    {
        using var response = await UploadAsync(File("/abs/x.txt", "hi"));

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await System.IO.File.ReadAllTextAsync(Path.Combine(_execd.Workspace, "abs", "x.txt"))).ShouldBe("hi");
    }

    [Fact]
    public async Task Symlinks_and_directories_inside_the_workspace_are_extracted_as_written()
    {
        using var response = await UploadAsync(
            new PaxTarEntry(TarEntryType.Directory, "releases/v2"), File("releases/v2/app.txt", "v2"),
            Symlink("current", "releases/v2"), File("current/extra.txt", "through an inside link"));

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        new FileInfo(Path.Combine(_execd.Workspace, "current")).LinkTarget.ShouldBe("releases/v2");
        (await System.IO.File.ReadAllTextAsync(Path.Combine(_execd.Workspace, "releases", "v2", "extra.txt"))).ShouldBe("through an inside link");
    }

    private static PaxTarEntry File(string name, string content) =>
        new(TarEntryType.RegularFile, name) { DataStream = new MemoryStream(System.Text.Encoding.UTF8.GetBytes(content)) };

    private static PaxTarEntry Symlink(string name, string target) => new(TarEntryType.SymbolicLink, name) { LinkName = target };

    private async Task<HttpResponseMessage> UploadAsync(params TarEntry[] entries)
    {
        using var tar = new MemoryStream();
        await using (var writer = new TarWriter(tar, leaveOpen: true))
        {
            foreach (var entry in entries)
            {
                await writer.WriteEntryAsync(entry);
            }
        }
        return await _execd.Client.PostAsync("/files", new ByteArrayContent(tar.ToArray()));
    }

    private static async Task ShouldFailAsync(HttpResponseMessage response, string problem)
    {
        using (response)
        {
            response.StatusCode.ShouldBe(HttpStatusCode.InternalServerError);
            var body = await response.Content.ReadAsStringAsync();
            body.ShouldStartWith("tar extraction failed: ");
            body.ShouldContain(problem);
        }
    }
}
