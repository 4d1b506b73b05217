using System.Text.Json.Nodes;
using Cmux.Fakes.Pve.Tasks;

namespace Cmux.Fakes.Pve.Api;

/// <summary>Task status and log, with the UPID taken from the path raw or percent-encoded.</summary>
public sealed class TaskEndpoints(TaskRunner tasks, NodeGuard guard) : IApiEndpoints
{
    public void Register(IDictionary<string, Func<ApiRequest, Task<ApiResult>>> handlers)
    {
        handlers["GET /nodes/{node}/tasks/{upid}/status"] = r => Task.FromResult(ApiResult.Of(Status(Find(r))));
        handlers["GET /nodes/{node}/tasks/{upid}/log"] = r => Task.FromResult(Log(Find(r), r.OptionalInt("start") ?? 0, r.OptionalInt("limit") ?? 50));
    }

    private PveTask Find(ApiRequest request)
    {
        guard.Check(request);
        var text = request.Text("upid")!;
        var upid = Upid.Parse(text) ?? throw new PveException(400, $"unable to parse worker upid '{text}'");
        return tasks.Find(upid) ?? throw new PveException(400, "no such task");
    }

    private static JsonObject Status(PveTask task)
    {
        var status = new JsonObject
        {
            ["upid"] = task.Upid.ToString(),
            ["node"] = task.Upid.Node,
            ["pid"] = task.Upid.Pid,
            ["pstart"] = task.Upid.PStart,
            ["starttime"] = task.Upid.StartTime,
            ["type"] = task.Upid.Type,
            ["id"] = task.Upid.Id,
            ["user"] = task.Upid.User,
            ["status"] = task.Running ? "running" : "stopped",
        };
        if (task.ExitStatus is { } exit)
        {
            status["exitstatus"] = exit;
        }
        return status;
    }

    /// <summary>Lines numbered from 1, <paramref name="start"/> counting from 0, and the total line count beside <c>data</c>.</summary>
    private static ApiResult Log(PveTask task, int start, int limit)
    {
        var lines = task.Lines();
        var page = lines.Select((t, i) => (JsonNode)new JsonObject { ["n"] = i + 1, ["t"] = t }).Skip(start).Take(limit);
        return new ApiResult(new JsonArray([.. page]), new Dictionary<string, JsonNode?> { ["total"] = lines.Count });
    }
}
