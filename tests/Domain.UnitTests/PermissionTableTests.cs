using CleanScheduler.Domain.Authorization;

namespace CleanScheduler.Domain.UnitTests;

/// <summary>
/// The role table of DESIGN.md §5, written out here a second time as plain data, and checked against
/// <see cref="Permissions.Allows"/> for every role (and no role) and every permission.
/// </summary>
public sealed class PermissionTableTests
{
    private static readonly Dictionary<string, string[]> ExpectedForOrgRole = new()
    {
        ["org_owner"] = ["org:read", "org:update", "org:delete", "org:manage_members", "org:manage_billing", "org:transfer_ownership",
            "org:view_audit", "org:manage_secrets", "org:manage_templates", "team:create", "team:delete"],
        ["org_admin"] = ["org:read", "org:update", "org:manage_members", "org:view_audit", "org:manage_secrets",
            "org:manage_templates", "team:create", "team:delete"],
        ["org_member"] = ["org:read"],
    };

    private static readonly Dictionary<string, string[]> ExpectedForTeamRole = new()
    {
        ["team_admin"] = ["team:read", "team:update", "team:manage_members", "deploy:read", "deploy:create", "deploy:manage",
            "deploy:delete", "deploy:logs", "secrets:list", "secrets:read", "secrets:write", "templates:read", "templates:create",
            "templates:manage"],
        ["developer"] = ["team:read", "deploy:read", "deploy:create", "deploy:manage", "deploy:delete", "deploy:logs",
            "secrets:list", "secrets:read", "secrets:write", "templates:read", "templates:create"],
        ["viewer"] = ["team:read", "deploy:read", "deploy:logs", "secrets:list", "templates:read"],
    };

    public static TheoryData<string, string> OrgRolesAndPermissions()
    {
        var data = new TheoryData<string, string>();
        foreach (var role in RoleCodes.AllOrgRoles)
        foreach (var permission in Permission.All)
            data.Add(role, permission.Code);
        return data;
    }

    public static TheoryData<string, string> TeamRolesAndPermissions()
    {
        var data = new TheoryData<string, string>();
        foreach (var role in RoleCodes.AllTeamRoles)
        foreach (var permission in Permission.All)
            data.Add(role, permission.Code);
        return data;
    }

    [Theory, MemberData(nameof(OrgRolesAndPermissions))]
    public void An_organization_role_alone_grants_exactly_its_organization_permissions_and_acts_as_team_admin_where_it_should(string role, string code)
    {
        var orgRole = RoleCodes.ParseOrgRole(role);
        var permission = Permission.All.Single(p => p.Code == code);
        var expected = permission.Scope == PermissionScope.Organization
            ? ExpectedForOrgRole[role].Contains(code)
            : orgRole is OrgRole.Owner or OrgRole.Admin && ExpectedForTeamRole["team_admin"].Contains(code);

        Assert.Equal(expected, Permissions.Allows(orgRole, null, permission));
    }

    [Theory, MemberData(nameof(TeamRolesAndPermissions))]
    public void A_team_role_of_a_plain_org_member_grants_exactly_its_team_permissions(string role, string code)
    {
        var permission = Permission.All.Single(p => p.Code == code);
        var expected = permission.Scope == PermissionScope.Team
            ? ExpectedForTeamRole[role].Contains(code)
            : ExpectedForOrgRole["org_member"].Contains(code);

        Assert.Equal(expected, Permissions.Allows(OrgRole.Member, RoleCodes.ParseTeamRole(role), permission));
    }

    [Theory, MemberData(nameof(TeamRolesAndPermissions))]
    public void Org_owners_act_as_team_admin_whatever_their_team_role(string role, string code)
    {
        var permission = Permission.All.Single(p => p.Code == code);

        var asOwner = Permissions.Allows(OrgRole.Owner, RoleCodes.ParseTeamRole(role), permission);

        Assert.Equal(Permissions.Allows(OrgRole.Owner, TeamRole.Admin, permission), asOwner);
    }

    [Fact]
    public void The_roles_granting_a_permission_each_on_their_own_decide_it_exactly_as_Allows_for_every_pair_of_roles()
    {
        OrgRole?[] orgRoles = [null, .. Enum.GetValues<OrgRole>()];
        TeamRole?[] teamRoles = [null, .. Enum.GetValues<TeamRole>()];
        foreach (var permission in Permission.All)
        {
            var (grantingOrg, grantingTeam) = Permissions.RolesGranting(permission);
            foreach (var org in orgRoles)
            foreach (var team in teamRoles)
                Assert.True(Permissions.Allows(org, team, permission) ==
                    (org is { } o && grantingOrg.Contains(o) || team is { } t && grantingTeam.Contains(t)), $"{permission} for {org}/{team}");
        }
        Assert.Equal(new[] { OrgRole.Admin, OrgRole.Owner }, Permissions.RolesGranting(Permission.DeployRead).OrgRoles.Order());
        Assert.Equal(Enum.GetValues<TeamRole>().Order(), Permissions.RolesGranting(Permission.DeployRead).TeamRoles.Order());
    }

    [Fact]
    public void Without_any_membership_nothing_is_allowed()
    {
        Assert.All(Permission.All, p => Assert.False(Permissions.Allows(null, null, p)));
    }

    [Fact]
    public void The_expected_table_names_only_permissions_that_exist_and_every_permission_appears_somewhere()
    {
        var codes = Permission.All.Select(p => p.Code).ToHashSet();
        var named = ExpectedForOrgRole.Values.Concat(ExpectedForTeamRole.Values).SelectMany(x => x).ToHashSet();

        Assert.Subset(codes, named);
        Assert.Equal(codes, named);
        Assert.Equal(codes.Count, Permission.All.Count);   // no duplicate codes
    }

    [Fact]
    public void A_viewer_never_gets_secret_values_or_write_actions()
    {
        Assert.False(Permissions.Allows(OrgRole.Member, TeamRole.Viewer, Permission.SecretsRead));
        Assert.False(Permissions.Allows(OrgRole.Member, TeamRole.Viewer, Permission.DeployCreate));
        Assert.False(Permissions.Allows(OrgRole.Member, TeamRole.Viewer, Permission.TeamManageMembers));
    }

    [Theory]
    [InlineData(null, null, null)]
    [InlineData("org_member", null, null)]
    [InlineData("org_member", "viewer", "viewer")]
    [InlineData("org_admin", null, "team_admin")]
    [InlineData("org_owner", "viewer", "team_admin")]
    public void Effective_team_role(string? org, string? team, string? expected)
    {
        var effective = Permissions.EffectiveTeamRole(
            org is null ? null : RoleCodes.ParseOrgRole(org), team is null ? null : RoleCodes.ParseTeamRole(team));

        Assert.Equal(expected, effective?.ToCode());
    }

    [Fact]
    public void Role_codes_round_trip_and_unknown_codes_are_refused()
    {
        Assert.All(RoleCodes.AllOrgRoles, c => Assert.Equal(c, RoleCodes.ParseOrgRole(c).ToCode()));
        Assert.All(RoleCodes.AllTeamRoles, c => Assert.Equal(c, RoleCodes.ParseTeamRole(c).ToCode()));
        Assert.False(RoleCodes.TryParseOrgRole("owner", out _));
        Assert.False(RoleCodes.TryParseTeamRole("TEAM_ADMIN", out _));
        Assert.False(RoleCodes.TryParseTeamRole(null, out _));
    }
}
