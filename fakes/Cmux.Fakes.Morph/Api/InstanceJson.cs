using Cmux.Contract;
using Cmux.Fakes.Morph.Instances;
using Cmux.Fakes.Sandbox.Client;

namespace Cmux.Fakes.Morph.Api;

/// <summary>An instance on the wire (docs/contracts.md §8), written in snake_case.</summary>
public sealed record InstanceJson(
    string Id,
    string Object,
    long Created,
    string Status,
    InstanceSpecJson Spec,
    InstanceRefsJson Refs,
    InstanceNetworkingJson Networking,
    InstanceTtlJson Ttl,
    InstanceWakeOnJson WakeOn,
    IReadOnlyDictionary<string, string> Metadata)
{
    public static InstanceJson From(Instance instance, string gatewayDomain) => new(
        instance.Id,
        "instance",
        instance.Created.ToUnixTimeSeconds(),
        instance.Status,
        new InstanceSpecJson(Vcpus: 1, Memory: 4096, DiskSize: 16384),
        new InstanceRefsJson(instance.SnapshotId, ImageId: "morphvm-minimal"),
        new InstanceNetworkingJson(
            instance.Address.ToString(),
            instance.Services.Values.OrderBy(s => s.Name, StringComparer.Ordinal)
                .Select(s => new HttpServiceJson(s.Name, s.Port, $"https://{UrlPatterns.MorphHost(s.Name, instance.Id, gatewayDomain)}", s.AuthMode))
                .ToList()),
        new InstanceTtlJson(
            instance.Ttl.Seconds,
            instance.Ttl.Seconds is { } seconds ? instance.Created.ToUnixTimeSeconds() + seconds : null,
            instance.Ttl.Action),
        new InstanceWakeOnJson(instance.WakeOn.Ssh, instance.WakeOn.Http),
        instance.Metadata);
}

public sealed record InstanceSpecJson(int Vcpus, int Memory, int DiskSize);

public sealed record InstanceRefsJson(string SnapshotId, string ImageId);

public sealed record InstanceNetworkingJson(string InternalIp, IReadOnlyList<HttpServiceJson> HttpServices);

public sealed record HttpServiceJson(string Name, int Port, string Url, string AuthMode);

public sealed record InstanceTtlJson(int? TtlSeconds, long? TtlExpireAt, string? TtlAction);

public sealed record InstanceWakeOnJson(bool WakeOnSsh, bool WakeOnHttp);

public sealed record InstanceListJson(string Object, IReadOnlyList<InstanceJson> Data);

public sealed record ExecResultJson(int ExitCode, string Stdout, string Stderr);

public sealed record DeletedJson(string Id, string Object, bool Deleted);
