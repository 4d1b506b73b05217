using System.Text.Json;

namespace Cmux.Load.Cli;

/// <summary>An option of <c>run</c>: its name, whether it takes a value or repeats, and its help line.</summary>
internal sealed record OptionSpec(string Name, string? Value, string Help, bool Repeats = false);

/// <summary>
/// Parses <c>--name value</c>, <c>--name=value</c> and flags against the known options; values from a
/// <c>--config</c> JSON file (the same names, without dashes) apply where the command line is silent.
/// </summary>
internal sealed class CommandLine
{
    private readonly Dictionary<string, List<string>> _values = new(StringComparer.Ordinal);

    private CommandLine()
    {
    }

    public static CommandLine Parse(IReadOnlyList<string> args, IReadOnlyList<OptionSpec> specs)
    {
        var line = new CommandLine();
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            if (!arg.StartsWith("--", StringComparison.Ordinal))
            {
                throw new UsageException($"unexpected argument '{arg}'");
            }
            var equals = arg.IndexOf('=', StringComparison.Ordinal);
            var name = equals < 0 ? arg[2..] : arg[2..equals];
            var spec = specs.FirstOrDefault(s => s.Name == name) ?? throw new UsageException($"unknown option --{name}");
            string value;
            if (spec.Value is null)
            {
                value = equals < 0 ? "true" : arg[(equals + 1)..];
            }
            else if (equals >= 0)
            {
                value = arg[(equals + 1)..];
            }
            else if (i + 1 < args.Count)
            {
                value = args[++i];
            }
            else
            {
                throw new UsageException($"--{name} needs a value ({spec.Value})");
            }
            line.Add(spec, value);
        }
        if (line.Single("config") is { } config)
        {
            line.MergeConfig(config, specs);
        }
        return line;
    }

    public bool Has(string name) => _values.ContainsKey(name);

    public string? Single(string name) => _values.TryGetValue(name, out var values) ? values[^1] : null;

    public IReadOnlyList<string> All(string name) => _values.TryGetValue(name, out var values) ? values : [];

    public bool Flag(string name) => Single(name) switch
    {
        null => false,
        "true" => true,
        var value => throw new UsageException($"--{name} is a flag; '{value}' is not true"),
    };

    private void Add(OptionSpec spec, string value)
    {
        if (!_values.TryGetValue(spec.Name, out var values))
        {
            _values[spec.Name] = values = [];
        }
        else if (!spec.Repeats)
        {
            throw new UsageException($"--{spec.Name} is given twice");
        }
        values.Add(value);
    }

    private void MergeConfig(string path, IReadOnlyList<OptionSpec> specs)
    {
        if (!File.Exists(path))
        {
            throw new UsageException($"config file '{path}' does not exist");
        }
        JsonElement root;
        try
        {
            root = JsonDocument.Parse(File.ReadAllText(path)).RootElement;
        }
        catch (JsonException e)
        {
            throw new UsageException($"config file '{path}' is not valid JSON: {e.Message}");
        }
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw new UsageException($"config file '{path}' must hold a JSON object of option names to values");
        }
        foreach (var property in root.EnumerateObject())
        {
            var spec = specs.FirstOrDefault(s => s.Name == property.Name && s.Name != "config")
                ?? throw new UsageException($"config file '{path}': unknown option '{property.Name}'");
            if (Has(spec.Name))
            {
                continue;
            }
            var values = property.Value.ValueKind == JsonValueKind.Array ? property.Value.EnumerateArray().ToList() : [property.Value];
            foreach (var value in values)
            {
                Add(spec, value.ValueKind switch
                {
                    JsonValueKind.String => value.GetString()!,
                    JsonValueKind.Number => value.GetRawText(),
                    JsonValueKind.True => "true",
                    _ => throw new UsageException($"config file '{path}': '{property.Name}' must be a string, number, true or a list of them"),
                });
            }
        }
    }
}

/// <summary>A mistake in how the tool was called: reported with the usage hint, exit code 2.</summary>
internal sealed class UsageException(string message) : Exception(message);
