using Ardalis.Specification;
using CleanScheduler.Domain.Authorization;
using CleanScheduler.Domain.Common;
using CleanScheduler.Domain.Organizations;
using CleanScheduler.Domain.Teams;

namespace CleanScheduler.Application.Common.Specifications;

/// <summary>
/// The organizations <paramref name="user"/> belongs to, among those of the request's white-label client
/// (<paramref name="client"/>; null on the platform's own hosts), and only <paramref name="only"/> when the request is
/// limited to one (<see cref="ICurrentUser.OrganizationLimit"/>).
/// </summary>
public sealed class OrganizationsOfMember : Specification<Organization>
{
    public OrganizationsOfMember(ClientId? client, OrganizationId? only, UserId user)
    {
        var anyOrganization = only is null;   // a bool, not `only == null` in the tree: EF compiles such a test on every call
        Query.Where(o => o.ClientId == client && (anyOrganization || o.Id == only) && o.Members.Any(m => m.UserId == user));
    }
}

/// <summary>
/// The organizations whose role for <paramref name="user"/> reads every team without a team role (owners and admins,
/// as the role table says), among those of the request's white-label client (and only <paramref name="only"/>, as above).
/// </summary>
public sealed class OrganizationsWhereEveryTeamIsReadable : Specification<Organization>
{
    private static readonly OrgRole[] Roles = Enum.GetValues<OrgRole>().Where(r => Permissions.Allows(r, null, Permission.TeamRead)).ToArray();

    public OrganizationsWhereEveryTeamIsReadable(ClientId? client, OrganizationId? only, UserId user)
    {
        var anyOrganization = only is null;
        Query.Where(o => o.ClientId == client && (anyOrganization || o.Id == only) && o.Members.Any(m => m.UserId == user && Roles.Contains(m.Role)));
    }
}

/// <summary>
/// The teams <paramref name="user"/> may read: those they belong to in an organization they belong to, and every team
/// of the organizations in <paramref name="everyTeamOf"/>.
/// </summary>
public sealed class TeamsReadableBy : Specification<Team>
{
    public TeamsReadableBy(IQueryable<OrganizationId> memberOf, IQueryable<OrganizationId> everyTeamOf, UserId user) =>
        Query.Where(t => (t.Members.Any(m => m.UserId == user) && memberOf.Contains(t.OrganizationId)) || everyTeamOf.Contains(t.OrganizationId));
}
