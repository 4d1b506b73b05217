using Cmux.Cloudflare.Api;
using Microsoft.Extensions.Options;

namespace Cmux.Fakes.Cloudflare.Dns;

/// <summary>The zone's records, with Cloudflare's rules for records that share a name.</summary>
public sealed class DnsStore(IOptions<CloudflareOptions> options, TimeProvider time)
{
    private static readonly HashSet<string> AddressTypes = new(StringComparer.Ordinal) { "A", "AAAA", "CNAME" };

    private readonly Lock _lock = new();
    private readonly Dictionary<string, DnsRecord> _records = new(StringComparer.Ordinal);

    /// <summary><c>*</c>, <c>pve</c>, <c>@</c> and full names all become the fully qualified name, as the API stores them.</summary>
    public string Qualify(string name)
    {
        var zone = options.Value.ZoneName;
        name = name.TrimEnd('.').ToLowerInvariant();
        return name == "@" || name == zone ? zone
            : name.EndsWith("." + zone, StringComparison.Ordinal) ? name
            : $"{name}.{zone}";
    }

    public IReadOnlyList<DnsRecord> List(Func<DnsRecord, bool> filter)
    {
        lock (_lock)
        {
            return _records.Values.Where(filter).OrderBy(r => r.CreatedOn).ToList();
        }
    }

    public DnsRecord? Get(string id)
    {
        lock (_lock)
        {
            return _records.GetValueOrDefault(id);
        }
    }

    /// <summary>Stores <paramref name="record"/> (new when <paramref name="id"/> is null); returns the stored
    /// record, or Cloudflare's conflict (81057, 81053, 81054) with another record of the same name.</summary>
    public (DnsRecord? Record, (int Code, string Message)? Conflict) Save(string? id, DnsRecord record)
    {
        lock (_lock)
        {
            var now = time.GetUtcNow();
            var existing = id is null ? null : _records.GetValueOrDefault(id);
            var candidate = record with
            {
                Id = existing?.Id ?? Guid.NewGuid().ToString("N"),
                Name = Qualify(record.Name),
                Proxiable = record.Type is "A" or "AAAA" or "CNAME",
                Proxied = record.Type is "A" or "AAAA" or "CNAME" ? record.Proxied ?? false : null,
                Ttl = record.Ttl ?? 1,
                Settings = record.Settings ?? [],
                Meta = existing?.Meta ?? [],
                Tags = record.Tags ?? [],
                CreatedOn = existing?.CreatedOn ?? now,
                ModifiedOn = now,
                CommentModifiedOn = record.Comment is null ? null
                    : record.Comment == existing?.Comment ? existing.CommentModifiedOn : now,
                TagsModifiedOn = record.Tags is not { Count: > 0 } ? null
                    : existing?.Tags is { } old && old.SequenceEqual(record.Tags) ? existing.TagsModifiedOn : now,
            };
            if (Conflict(candidate) is { } conflict)
            {
                return (null, conflict);
            }
            _records[candidate.Id] = candidate;
            return (candidate, null);
        }
    }

    public DnsRecord? Delete(string id)
    {
        lock (_lock)
        {
            return _records.Remove(id, out var record) ? record : null;
        }
    }

    private (int, string)? Conflict(DnsRecord candidate)
    {
        var sameName = _records.Values.Where(r => r.Id != candidate.Id && r.Name == candidate.Name).ToList();
        if (sameName.Any(r => r.Type == candidate.Type && string.Equals(r.Content, candidate.Content, StringComparison.OrdinalIgnoreCase)))
        {
            return (81057, "Record already exists.");
        }
        if (candidate.Type == "CNAME" && sameName.Any(r => AddressTypes.Contains(r.Type)))
        {
            return (81053, "An A, AAAA, or CNAME record with that host already exists.");
        }
        if (sameName.Any(r => r.Type == "CNAME"))
        {
            return (81054, "A CNAME record with that host already exists.");
        }
        return null;
    }
}
