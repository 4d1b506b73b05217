namespace Cmux.Provisioning;

/// <summary>A run that stopped at <see cref="Step"/>; <see cref="Existing"/> is what is in place at that moment.</summary>
public sealed class ProvisioningException(string step, IReadOnlyList<string> existing, bool dnsTouched, Exception inner)
    : Exception($"provisioning failed while {step}: {inner.Message}", inner)
{
    public string Step { get; } = step;
    public IReadOnlyList<string> Existing { get; } = existing;
    /// <summary>False when the run stopped before creating or changing any DNS record.</summary>
    public bool DnsTouched { get; } = dnsTouched;
}
