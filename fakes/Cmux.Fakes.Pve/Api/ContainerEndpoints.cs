using System.Text.Json.Nodes;
using Cmux.Fakes.Pve.Sandboxes;
using Cmux.Fakes.Pve.State;
using Cmux.Fakes.Pve.Tasks;

namespace Cmux.Fakes.Pve.Api;

/// <summary>
/// The LXC endpoints. Each checks and changes the node's state in one critical section (existence,
/// locks, running state, with PVE's texts), then hands the slow part to a worker task and answers
/// its UPID, as PVE does.
/// </summary>
public sealed class ContainerEndpoints(NodeState state, TaskRunner tasks, SandboxLink sandboxes, ContainerViews views, NodeGuard guard, TimeProvider time)
    : IApiEndpoints
{
    private const string Base = "/nodes/{node}/lxc";
    private const string One = Base + "/{vmid}";
    private const string Hookscript = "hookscript";
    private const string RootUser = "root@pam";

    /// <summary>Parameters that steer a request rather than being stored in the configuration.</summary>
    private static readonly string[] NotConfig =
    [
        "node", "vmid", "ostemplate", "storage", "password", "ssh-public-keys", "start", "restore", "force", "unique",
        "ignore-unpack-errors", "pool", "bwlimit", "delete", "revert", "digest", "skiplock",
    ];

    public void Register(IDictionary<string, Func<ApiRequest, Task<ApiResult>>> handlers)
    {
        handlers[$"GET {Base}"] = r => Sync(r, () => new JsonArray([.. state.Read(all => all.Values.OrderBy(c => c.Vmid).Select(views.Status).ToList())]));
        handlers[$"POST {Base}"] = r => Sync(r, () => Create(r));
        handlers[$"GET {One}"] = r => Sync(r, () => Read(r, _ => new JsonArray(
            [.. new[] { "config", "status", "snapshot", "firewall", "rrd", "rrddata" }.Select(s => (JsonNode)new JsonObject { ["subdir"] = s })])));
        handlers[$"DELETE {One}"] = r => Sync(r, () => Destroy(r));
        handlers[$"GET {One}/config"] = r => Sync(r, () => Read(r, views.Config));
        handlers[$"PUT {One}/config"] = r => Sync(r, () => SetConfig(r));
        handlers[$"GET {One}/status/current"] = r => Sync(r, () => Read(r, views.Current));
        handlers[$"POST {One}/status/start"] = r => Sync(r, () => Start(r));
        handlers[$"POST {One}/status/stop"] = r => Sync(r, () => WhileRunning(r, "vzstop", sandboxes.StopAsync, runningAfter: false));
        handlers[$"POST {One}/status/shutdown"] = r => Sync(r, () => WhileRunning(r, "vzshutdown", sandboxes.StopAsync, runningAfter: false));
        handlers[$"POST {One}/status/suspend"] = r => Sync(r, () => WhileRunning(r, "vzsuspend", sandboxes.PauseAsync, runningAfter: true));
        handlers[$"POST {One}/status/resume"] = r => Sync(r, () => WhileRunning(r, "vzresume", sandboxes.ResumeAsync, runningAfter: true));
        handlers[$"GET {One}/snapshot"] = r => Sync(r, () => Read(r, Snapshots));
        handlers[$"POST {One}/snapshot"] = r => Sync(r, () => Snapshot(r));
        handlers[$"POST {One}/template"] = r => Sync(r, () => Template(r));
        handlers[$"POST {One}/clone"] = r => Sync(r, () => Clone(r));
    }

    private Task<ApiResult> Sync(ApiRequest request, Func<JsonNode?> handler)
    {
        guard.Check(request);
        return Task.FromResult(ApiResult.Of(handler()));
    }

    private JsonNode Read(ApiRequest request, Func<Container, JsonNode> view) =>
        state.Read(all => view(Existing(all, request.Int("vmid"))));

    private Container Existing(IReadOnlyDictionary<int, Container> all, int vmid) =>
        all.TryGetValue(vmid, out var c) ? c : throw PveException.NoSuchContainer(guard.Node, vmid);

    private static void CheckLock(Container c, ApiRequest request)
    {
        if (c.Lock is { } lockName && request.Bool("skiplock") != true)
        {
            throw PveException.Locked(lockName);
        }
    }

    /// <summary>PVE checks the cluster's vmid list, QEMU guests included, and names the kind it found.</summary>
    private void CheckUnused(IReadOnlyDictionary<int, Container> all, int vmid)
    {
        if (state.IsTaken(all, vmid))
        {
            throw PveException.Handler($"{state.KindOf(vmid)} {vmid} already exists on node '{guard.Node}'");
        }
    }

    private JsonNode Create(ApiRequest request)
    {
        var vmid = request.Int("vmid");
        var ostemplate = request.Text("ostemplate")!;
        state.Write(all =>
        {
            CheckUnused(all, vmid);
            var config = new SortedDictionary<string, string>(request.Settings(NotConfig).ToDictionary(), StringComparer.Ordinal);
            config.TryAdd("rootfs", $"{request.Text("storage") ?? "local-lvm"}:vm-{vmid}-disk-0,size=4G");
            config.TryAdd("net0", NodeState.Net0(vmid));
            all[vmid] = new Container(vmid, config) { Lock = "create" };
        });
        return tasks.Start("vzcreate", vmid.ToString(), request.User,
            task =>
            {
                task.Log($"extracting archive '{ostemplate}'");
                task.Log("Total bytes read: 134217728 (128MiB, 1.0MiB/s)");
                return Task.CompletedTask;
            },
            ok => Finish(vmid, ok, removeOnFailure: true));
    }

    private JsonNode Clone(ApiRequest request)
    {
        var source = request.Int("vmid");
        var newid = request.Int("newid");
        if (request.Text("target") is { } target && target != guard.Node)
        {
            throw PveException.Handler($"no such cluster node '{target}'");
        }
        var volume = state.Write(all =>
        {
            CheckUnused(all, newid);
            var src = Existing(all, source);
            CheckLock(src, request);
            var full = request.Bool("full") ?? !src.IsTemplate;
            var volume = src.Config.GetValueOrDefault("rootfs", "").Split(',')[0];
            if (!full && request.Has("storage"))
            {
                throw PveException.Handler("parameter 'storage' not allowed for linked clones");
            }
            if (!full && !src.IsTemplate)
            {
                throw PveException.Handler($"Linked clone feature for '{volume}' is not available");
            }
            src.Lock = "disk";
            var config = state.CloneConfig(src, newid, request.Text("hostname"), request.Text("description"), linked: !full);
            all[newid] = new Container(newid, config) { Lock = "create" };
            return (full ? "full" : "linked", volume);
        });
        return tasks.Start("vzclone", source.ToString(), request.User,
            task =>
            {
                task.Log($"create {volume.Item1} clone of mount point rootfs ({volume.Item2})");
                task.Log($"Logical volume \"vm-{newid}-disk-0\" created.");
                return Task.CompletedTask;
            },
            ok => state.Write(all =>
            {
                if (all.TryGetValue(source, out var src))
                {
                    src.Lock = null;
                }
                Finish(all, newid, ok, removeOnFailure: true);
            }));
    }

    private JsonNode Start(ApiRequest request)
    {
        var vmid = request.Int("vmid");
        var (hostname, hook) = state.Write(all =>
        {
            var c = Existing(all, vmid);
            if (c.IsTemplate)
            {
                throw PveException.Handler("you can't start a CT if it's a template");
            }
            CheckLock(c, request);
            return c.Running ? throw PveException.Handler($"CT {vmid} already running") : (c.Hostname, TokenHook.PreStart(c));
        });
        return tasks.Start("vzstart", vmid.ToString(), request.User,
            async task =>
            {
                if (hook.Log is { } said)
                {
                    task.Log(said);
                }
                await sandboxes.StartAsync(vmid, hostname, hook.Environment, task);
                SetRunning(vmid, true);
            },
            _ => { });
    }

    /// <summary>Stop, shutdown, suspend, resume: refused unless the container runs; the sandbox follows.</summary>
    private JsonNode WhileRunning(ApiRequest request, string type, Func<int, PveTask, Task> sandbox, bool runningAfter)
    {
        var vmid = request.Int("vmid");
        state.Write(all =>
        {
            var c = Existing(all, vmid);
            CheckLock(c, request);
            if (!c.Running)
            {
                throw PveException.Handler($"CT {vmid} not running");
            }
        });
        return tasks.Start(type, vmid.ToString(), request.User,
            async task =>
            {
                await sandbox(vmid, task);
                SetRunning(vmid, runningAfter);
            },
            _ => { });
    }

    private JsonNode Destroy(ApiRequest request)
    {
        var vmid = request.Int("vmid");
        var running = state.Write(all =>
        {
            var c = Existing(all, vmid);
            CheckLock(c, request);
            if (c.IsProtected)
            {
                throw PveException.Handler($"can't remove CT {vmid} - protection mode enabled");
            }
            if (c.Running && request.Bool("force") != true)
            {
                throw PveException.Handler($"unable to destroy CT {vmid} - container is running");
            }
            c.Lock = "destroyed";
            return c.Running;
        });
        return tasks.Start("vzdestroy", vmid.ToString(), request.User,
            async task =>
            {
                if (running)
                {
                    await sandboxes.StopAsync(vmid, task);
                }
                await sandboxes.DeleteAsync(vmid, task);
                task.Log($"Logical volume \"vm-{vmid}-disk-0\" successfully removed.");
                state.Write(all => all.Remove(vmid));
            },
            ok => Finish(vmid, ok, removeOnFailure: false));
    }

    /// <summary>Synchronous, as in PVE: applies the settings, then removes the keys named in <c>delete</c>.</summary>
    private JsonNode? SetConfig(ApiRequest request)
    {
        var vmid = request.Int("vmid");
        var deleted = (request.Text("delete") ?? "").Split([',', ';', ' '], StringSplitOptions.RemoveEmptyEntries);
        // pve-container lets no one but root@pam itself (not even its tokens) change a hookscript,
        // whatever the privileges: why cmux's template carries it and clones inherit it.
        if ((request.Has(Hookscript) || deleted.Contains(Hookscript)) && request.User != RootUser)
        {
            throw new PveException(StatusCodes.Status403Forbidden, "Permission check failed (changing the hookscript is only allowed for root@pam)");
        }
        state.Write(all =>
        {
            var c = Existing(all, vmid);
            CheckLock(c, request);
            if (request.Text("digest") is { } digest && digest != c.Digest)
            {
                throw PveException.Handler("detected modified configuration - file changed by other user? Try again.");
            }
            foreach (var (key, value) in request.Settings(NotConfig))
            {
                c.Config[key] = value;
            }
            foreach (var key in deleted)
            {
                c.Config.Remove(key);
            }
        });
        return null;
    }

    private JsonNode Snapshots(Container c)
    {
        var list = new JsonArray([.. c.Snapshots.Select(s => (JsonNode)new JsonObject
        {
            ["name"] = s.Name,
            ["description"] = s.Description,
            ["snaptime"] = s.SnapTime,
            ["parent"] = s.Parent,
        })]);
        var current = new JsonObject { ["name"] = "current", ["description"] = "You are here!", ["running"] = c.Running ? 1 : 0 };
        if (c.Snapshots.Count > 0)
        {
            current["parent"] = c.Snapshots[^1].Name;
        }
        list.Add(current);
        foreach (var entry in list)
        {
            if (entry!["parent"] is null)
            {
                entry.AsObject().Remove("parent");
            }
        }
        return list;
    }

    private JsonNode Snapshot(ApiRequest request)
    {
        var vmid = request.Int("vmid");
        var name = request.Text("snapname")!;
        var description = request.Text("description") ?? "";
        state.Write(all =>
        {
            var c = Existing(all, vmid);
            CheckLock(c, request);
            if (name == "current" || c.Snapshots.Any(s => s.Name == name))
            {
                throw PveException.Handler($"snapshot name '{name}' already used");
            }
            c.Lock = "snapshot";
        });
        return tasks.Start("vzsnapshot", vmid.ToString(), request.User,
            task =>
            {
                task.Log($"create snapshot '{name}'");
                return Task.CompletedTask;
            },
            ok => state.Write(all =>
            {
                if (all.TryGetValue(vmid, out var c))
                {
                    c.Lock = null;
                    if (ok)
                    {
                        c.Snapshots.Add(new ContainerSnapshot(name, description, time.GetUtcNow().ToUnixTimeSeconds(), c.Snapshots.LastOrDefault()?.Name));
                    }
                }
            }));
    }

    /// <summary>Answers null at once and converts in the background, as PVE's template call does.</summary>
    private JsonNode? Template(ApiRequest request)
    {
        var vmid = request.Int("vmid");
        state.Write(all =>
        {
            var c = Existing(all, vmid);
            CheckLock(c, request);
            if (c.Running)
            {
                throw PveException.Handler("you can't convert a CT to template if the CT is running");
            }
        });
        tasks.Start("vztemplate", vmid.ToString(), request.User,
            _ =>
            {
                state.Write(all =>
                {
                    var c = Existing(all, vmid);
                    c.Config["template"] = "1";
                    c.Config["rootfs"] = c.Config.GetValueOrDefault("rootfs", "").Replace($"vm-{vmid}-disk", $"base-{vmid}-disk", StringComparison.Ordinal);
                });
                return Task.CompletedTask;
            },
            _ => { });
        return null;
    }

    private void SetRunning(int vmid, bool running) => state.Write(all =>
    {
        // The container may have been removed behind PVE's back while the task ran.
        var c = all.TryGetValue(vmid, out var found) ? found : throw new TaskFailedException($"Configuration file 'nodes/{guard.Node}/lxc/{vmid}.conf' does not exist");
        c.Running = running;
        c.StartedAt = running ? c.StartedAt ?? time.GetUtcNow() : null;
    });

    private void Finish(int vmid, bool ok, bool removeOnFailure) => state.Write(all => Finish(all, vmid, ok, removeOnFailure));

    /// <summary>Ends a task's hold on a container: the lock goes; a failed create or clone leaves nothing behind.</summary>
    private static void Finish(Dictionary<int, Container> all, int vmid, bool ok, bool removeOnFailure)
    {
        if (!all.TryGetValue(vmid, out var c))
        {
            return;
        }
        if (!ok && removeOnFailure)
        {
            all.Remove(vmid);
            return;
        }
        c.Lock = null;
    }
}
