namespace Cmux.Fakes.Pve.Auth;

/// <summary>Who is calling: a user (<c>root@pam</c>) or a token (<c>root@pam!cmux</c>), with what it may do.</summary>
public sealed record Principal(string Id, IReadOnlySet<string> Privileges, bool ViaTicket)
{
    public const string AllPrivileges = "*";

    public bool Has(string privilege) => Privileges.Contains(AllPrivileges) || Privileges.Contains(privilege);
}

/// <summary>A ticket as <c>POST /access/ticket</c> hands it out.</summary>
public sealed record Ticket(string Username, string Value, string CsrfToken);
