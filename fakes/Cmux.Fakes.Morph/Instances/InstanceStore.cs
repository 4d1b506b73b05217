using System.Collections.Concurrent;
using System.Security.Cryptography;
using Microsoft.Extensions.Options;

namespace Cmux.Fakes.Morph.Instances;

/// <summary>Every live instance, by id, and the sandbox ids they hold.</summary>
public sealed class InstanceStore(IOptions<MorphOptions> options)
{
    public const string IdPrefix = "morphvm_";

    // Lower-case only: the id reappears in a host name, where case does not survive.
    private const string IdAlphabet = "abcdefghijklmnopqrstuvwxyz0123456789";

    private readonly ConcurrentDictionary<string, Instance> _instances = new(StringComparer.Ordinal);
    private readonly Lock _allocation = new();

    public IEnumerable<Instance> All => _instances.Values.OrderBy(i => i.Created);

    public Instance? Find(string id) => _instances.GetValueOrDefault(id.ToLowerInvariant());

    /// <summary>Registers a new instance on a free sandbox id; null when the range is exhausted.</summary>
    public Instance? Add(string snapshotId, IReadOnlyDictionary<string, string> metadata, InstanceTtl ttl)
    {
        var range = options.Value;
        lock (_allocation)
        {
            var used = _instances.Values.Select(i => i.SandboxId).ToHashSet();
            for (var sandboxId = range.FirstSandboxId; sandboxId <= range.LastSandboxId; sandboxId++)
            {
                if (!used.Contains(sandboxId))
                {
                    var instance = new Instance(IdPrefix + RandomNumberGenerator.GetString(IdAlphabet, 12), sandboxId, snapshotId, metadata, ttl);
                    _instances[instance.Id] = instance;
                    return instance;
                }
            }
            return null;
        }
    }

    public bool Remove(Instance instance) => _instances.TryRemove(instance.Id, out _);
}
