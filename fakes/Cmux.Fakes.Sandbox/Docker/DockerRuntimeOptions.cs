using Cmux.Contract;

namespace Cmux.Fakes.Sandbox.Docker;

/// <summary>The <c>Sandbox:Docker</c> section: what the Docker runtime runs and how it waits (see README.md).</summary>
public sealed class DockerRuntimeOptions
{
    /// <summary>
    /// The template image, e.g. <c>cmux-template:26df80d023f8</c> (<c>eng/template/build.sh --print-image</c>
    /// names the current recipe's). Required: it is never pulled, since no registry serves it.
    /// </summary>
    public string? Image { get; set; }

    /// <summary>
    /// The run's network is internal (no route beyond this machine, no NAT): the containers reach
    /// each other and the host's bridge address, nothing else, as a test network should.
    /// </summary>
    public bool Internal { get; set; } = true;

    /// <summary>
    /// The ports a start waits for (TCP accepts at the container's address): what the template
    /// serves (eng/template/README.md) unless set. 39376, 39378 and 39381 have no server there.
    /// Null by default, because the configuration binder appends to an array it finds filled.
    /// </summary>
    public int[]? ReadyPorts { get; set; }

    public IReadOnlyList<int> EffectiveReadyPorts => ReadyPorts is { Length: > 0 } ports
        ? ports
        : [SandboxPorts.Execd, SandboxPorts.Worker, SandboxPorts.NoVnc, SandboxPorts.Terminal, SandboxPorts.Preview];
}
