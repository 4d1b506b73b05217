namespace Cmux.Fakes.Pve.Auth;

/// <summary>Who is calling: a user (<c>root@pam</c>) or a token (<c>root@pam!cmux</c>), with what it may do.</summary>
public sealed record Principal(string Id, IReadOnlySet<string> Privileges, bool ViaTicket)
{
    public const string AllPrivileges = "*";

    /// <summary>The privileges of PVE 8's built-in roles that touch guests, nodes and storage: what <c>*</c> expands to when listed.</summary>
    public static readonly IReadOnlyList<string> KnownPrivileges =
    [
        "Datastore.Allocate", "Datastore.AllocateSpace", "Datastore.AllocateTemplate", "Datastore.Audit",
        "SDN.Audit", "SDN.Use", "Sys.Audit", "Sys.Console", "Sys.Modify", "Sys.PowerMgmt",
        "VM.Allocate", "VM.Audit", "VM.Backup", "VM.Clone", "VM.Config.CDROM", "VM.Config.CPU", "VM.Config.Cloudinit",
        "VM.Config.Disk", "VM.Config.HWType", "VM.Config.Memory", "VM.Config.Network", "VM.Config.Options",
        "VM.Console", "VM.Migrate", "VM.Monitor", "VM.PowerMgmt", "VM.Snapshot", "VM.Snapshot.Rollback",
    ];

    public bool Has(string privilege) => Privileges.Contains(AllPrivileges) || Privileges.Contains(privilege);
}

/// <summary>A ticket as <c>POST /access/ticket</c> hands it out.</summary>
public sealed record Ticket(string Username, string Value, string CsrfToken);
