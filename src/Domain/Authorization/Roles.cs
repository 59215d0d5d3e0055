namespace CleanScheduler.Domain.Authorization;

/// <summary>Roles within an organization, from DESIGN.md §5. Codes are the API's spelling.</summary>
public enum OrgRole
{
    Member = 0,
    Admin = 1,
    Owner = 2,
}

/// <summary>Roles within a team, from DESIGN.md §5. Codes are the API's spelling.</summary>
public enum TeamRole
{
    Viewer = 0,
    Developer = 1,
    Admin = 2,
}

public static class RoleCodes
{
    private static readonly Dictionary<OrgRole, string> OrgCodes = new()
    {
        [OrgRole.Owner] = "org_owner",
        [OrgRole.Admin] = "org_admin",
        [OrgRole.Member] = "org_member",
    };

    private static readonly Dictionary<TeamRole, string> TeamCodes = new()
    {
        [TeamRole.Admin] = "team_admin",
        [TeamRole.Developer] = "developer",
        [TeamRole.Viewer] = "viewer",
    };

    public static IReadOnlyCollection<string> AllOrgRoles => OrgCodes.Values;
    public static IReadOnlyCollection<string> AllTeamRoles => TeamCodes.Values;

    public static string ToCode(this OrgRole role) => OrgCodes[role];
    public static string ToCode(this TeamRole role) => TeamCodes[role];

    public static bool TryParseOrgRole(string? code, out OrgRole role)
    {
        foreach (var (key, value) in OrgCodes)
            if (value == code) { role = key; return true; }
        role = default;
        return false;
    }

    public static bool TryParseTeamRole(string? code, out TeamRole role)
    {
        foreach (var (key, value) in TeamCodes)
            if (value == code) { role = key; return true; }
        role = default;
        return false;
    }

    public static OrgRole ParseOrgRole(string code) =>
        TryParseOrgRole(code, out var role) ? role : throw new ArgumentException($"Unknown organization role '{code}'.", nameof(code));

    public static TeamRole ParseTeamRole(string code) =>
        TryParseTeamRole(code, out var role) ? role : throw new ArgumentException($"Unknown team role '{code}'.", nameof(code));
}
