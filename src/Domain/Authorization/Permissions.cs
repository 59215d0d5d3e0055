namespace CleanScheduler.Domain.Authorization;

/// <summary>Whether a permission is decided by the organization role alone, or by the effective team role.</summary>
public enum PermissionScope
{
    Organization,
    Team,
}

/// <summary>An action a member may be allowed to perform, such as <c>deploy:create</c>.</summary>
public sealed record Permission
{
    private Permission(string code, PermissionScope scope) => (Code, Scope) = (code, scope);

    public string Code { get; }
    public PermissionScope Scope { get; }

    // Organization scope: decided by the org role.
    public static readonly Permission OrgRead = new("org:read", PermissionScope.Organization);
    public static readonly Permission OrgUpdate = new("org:update", PermissionScope.Organization);
    public static readonly Permission OrgDelete = new("org:delete", PermissionScope.Organization);
    public static readonly Permission OrgManageMembers = new("org:manage_members", PermissionScope.Organization);
    public static readonly Permission OrgManageBilling = new("org:manage_billing", PermissionScope.Organization);
    public static readonly Permission OrgTransferOwnership = new("org:transfer_ownership", PermissionScope.Organization);
    public static readonly Permission OrgViewAudit = new("org:view_audit", PermissionScope.Organization);
    public static readonly Permission OrgManageSecrets = new("org:manage_secrets", PermissionScope.Organization);
    public static readonly Permission OrgManageTemplates = new("org:manage_templates", PermissionScope.Organization);
    public static readonly Permission TeamCreate = new("team:create", PermissionScope.Organization);
    public static readonly Permission TeamDelete = new("team:delete", PermissionScope.Organization);

    // Team scope: decided by the effective team role (org owners and admins act as team_admin on every team).
    public static readonly Permission TeamRead = new("team:read", PermissionScope.Team);
    public static readonly Permission TeamUpdate = new("team:update", PermissionScope.Team);
    public static readonly Permission TeamManageMembers = new("team:manage_members", PermissionScope.Team);
    public static readonly Permission DeployRead = new("deploy:read", PermissionScope.Team);
    public static readonly Permission DeployCreate = new("deploy:create", PermissionScope.Team);
    public static readonly Permission DeployManage = new("deploy:manage", PermissionScope.Team);
    public static readonly Permission DeployDelete = new("deploy:delete", PermissionScope.Team);
    public static readonly Permission DeployLogs = new("deploy:logs", PermissionScope.Team);
    public static readonly Permission SecretsList = new("secrets:list", PermissionScope.Team);
    public static readonly Permission SecretsRead = new("secrets:read", PermissionScope.Team);
    public static readonly Permission SecretsWrite = new("secrets:write", PermissionScope.Team);
    public static readonly Permission TemplatesRead = new("templates:read", PermissionScope.Team);
    public static readonly Permission TemplatesCreate = new("templates:create", PermissionScope.Team);
    public static readonly Permission TemplatesManage = new("templates:manage", PermissionScope.Team);

    public static IReadOnlyList<Permission> All { get; } =
    [
        OrgRead, OrgUpdate, OrgDelete, OrgManageMembers, OrgManageBilling, OrgTransferOwnership, OrgViewAudit,
        OrgManageSecrets, OrgManageTemplates, TeamCreate, TeamDelete,
        TeamRead, TeamUpdate, TeamManageMembers, DeployRead, DeployCreate, DeployManage, DeployDelete, DeployLogs,
        SecretsList, SecretsRead, SecretsWrite, TemplatesRead, TemplatesCreate, TemplatesManage,
    ];

    public override string ToString() => Code;
}

/// <summary>The role table of DESIGN.md §5, as one pure function.</summary>
public static class Permissions
{
    private static readonly Dictionary<OrgRole, HashSet<Permission>> ByOrgRole = new()
    {
        [OrgRole.Owner] =
        [
            Permission.OrgRead, Permission.OrgUpdate, Permission.OrgDelete, Permission.OrgManageMembers,
            Permission.OrgManageBilling, Permission.OrgTransferOwnership, Permission.OrgViewAudit,
            Permission.OrgManageSecrets, Permission.OrgManageTemplates, Permission.TeamCreate, Permission.TeamDelete,
        ],
        [OrgRole.Admin] =
        [
            Permission.OrgRead, Permission.OrgUpdate, Permission.OrgManageMembers, Permission.OrgViewAudit,
            Permission.OrgManageSecrets, Permission.OrgManageTemplates, Permission.TeamCreate, Permission.TeamDelete,
        ],
        [OrgRole.Member] = [Permission.OrgRead],
    };

    private static readonly Dictionary<TeamRole, HashSet<Permission>> ByTeamRole = new()
    {
        [TeamRole.Admin] =
        [
            Permission.TeamRead, Permission.TeamUpdate, Permission.TeamManageMembers,
            Permission.DeployRead, Permission.DeployCreate, Permission.DeployManage, Permission.DeployDelete, Permission.DeployLogs,
            Permission.SecretsList, Permission.SecretsRead, Permission.SecretsWrite,
            Permission.TemplatesRead, Permission.TemplatesCreate, Permission.TemplatesManage,
        ],
        [TeamRole.Developer] =
        [
            Permission.TeamRead,
            Permission.DeployRead, Permission.DeployCreate, Permission.DeployManage, Permission.DeployDelete, Permission.DeployLogs,
            Permission.SecretsList, Permission.SecretsRead, Permission.SecretsWrite,
            Permission.TemplatesRead, Permission.TemplatesCreate,
        ],
        [TeamRole.Viewer] =
        [
            Permission.TeamRead, Permission.DeployRead, Permission.DeployLogs, Permission.SecretsList, Permission.TemplatesRead,
        ],
    };

    /// <summary>
    /// The team role a member effectively holds: org owners and admins act as <c>team_admin</c> on every team
    /// of their organization; otherwise their own team membership counts.
    /// </summary>
    public static TeamRole? EffectiveTeamRole(OrgRole? orgRole, TeamRole? teamRole) =>
        orgRole is OrgRole.Owner or OrgRole.Admin ? TeamRole.Admin : teamRole;

    public static bool Allows(OrgRole? orgRole, TeamRole? teamRole, Permission permission) => permission.Scope switch
    {
        PermissionScope.Organization => orgRole is { } org && ByOrgRole[org].Contains(permission),
        _ => EffectiveTeamRole(orgRole, teamRole) is { } team && ByTeamRole[team].Contains(permission),
    };

    /// <summary>
    /// The roles that grant <paramref name="permission"/> each on their own: <see cref="Allows"/> holds exactly when the
    /// organization role is one of <c>OrgRoles</c> or the team role one of <c>TeamRoles</c> (team_admin grants everything
    /// another team role grants). For queries that keep only what the caller may see.
    /// </summary>
    public static (IReadOnlyList<OrgRole> OrgRoles, IReadOnlyList<TeamRole> TeamRoles) RolesGranting(Permission permission) => Granting[permission];

    private static readonly Dictionary<Permission, (IReadOnlyList<OrgRole>, IReadOnlyList<TeamRole>)> Granting = Permission.All.ToDictionary(
        p => p,
        p => ((IReadOnlyList<OrgRole>)Enum.GetValues<OrgRole>().Where(r => Allows(r, null, p)).ToArray(),
              (IReadOnlyList<TeamRole>)Enum.GetValues<TeamRole>().Where(r => Allows(null, r, p)).ToArray()));

    /// <summary>Every permission the given roles grant, for UIs that hide what the caller cannot do.</summary>
    public static IEnumerable<Permission> Granted(OrgRole? orgRole, TeamRole? teamRole) =>
        Permission.All.Where(p => Allows(orgRole, teamRole, p));
}
