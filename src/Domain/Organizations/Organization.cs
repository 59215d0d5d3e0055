using CleanScheduler.Domain.Authorization;
using CleanScheduler.Domain.Billing;
using CleanScheduler.Domain.Common;
using CleanScheduler.Domain.Teams;

namespace CleanScheduler.Domain.Organizations;

/// <summary>
/// A tenant. Keeps its members and their organization roles, and the rule that it always has at least one owner.
/// What it may use (plan, limits, usage) is its <see cref="Subscription"/>. <see cref="OwnerCount"/> lives here because the rule does: every change of it updates
/// the row, so two racing demotions of the last two owners cannot both commit.
/// </summary>
public sealed class Organization : AggregateRoot<OrganizationId>
{
    public const string DefaultTeamName = "Default";

    private readonly List<OrgMembership> _members = [];

    private Organization() { }

    public string Name { get; private set; } = null!;
    public string Slug { get; private set; } = null!;
    public ClientId? ClientId { get; private set; }
    public int OwnerCount { get; private set; }
    public DateTimeOffset CreatedAt { get; private set; }
    public IReadOnlyCollection<OrgMembership> Members => _members;

    /// <summary>
    /// Founds an organization subscribed to <paramref name="plan"/> (normally the Free plan): the founder becomes its
    /// <c>org_owner</c> and the <c>team_admin</c> of its default team, a membership that counts toward the team's limit.
    /// </summary>
    public static (Organization Organization, Team DefaultTeam, Subscription Subscription) Found(
        string name, Slug slug, UserId founder, BillingPlan plan, DateTimeOffset now, ClientId? client = null)
    {
        var org = new Organization
        {
            Id = OrganizationId.New(),
            Name = DisplayName.From(name, "organization name"),
            Slug = slug.Value,
            ClientId = client,
            CreatedAt = now,
        };
        org._members.Add(new OrgMembership(founder, OrgRole.Owner, now));
        org.OwnerCount = 1;
        org.Raise(new OrganizationFounded(org.Id, founder, org.Slug, now));

        var subscription = Subscription.Start(org.Id, plan, now);
        var team = Team.Create(org.Id, DefaultTeamName, isDefault: true, now);
        org.Raise(new TeamAdded(org.Id, team.Id, team.Name, now));
        team.AddMember(org, subscription, founder, TeamRole.Admin, now);
        return (org, team, subscription);
    }

    public OrgRole? RoleOf(UserId user) => _members.Find(m => m.UserId == user)?.Role;

    public bool IsMember(UserId user) => _members.Exists(m => m.UserId == user);

    /// <summary>Records that the organization is being deleted (the handler removes it with its teams).</summary>
    public void MarkDeleted(UserId actor, DateTimeOffset now) => Raise(new OrganizationDeleted(Id, actor, Slug, now));

    public void Rename(string name, DateTimeOffset now)
    {
        var newName = DisplayName.From(name, "organization name");
        if (newName == Name) return;
        Name = newName;
        Raise(new OrganizationRenamed(Id, newName, now));
    }

    public Team AddTeam(string name, DateTimeOffset now)
    {
        var team = Team.Create(Id, name, isDefault: false, now);
        Raise(new TeamAdded(Id, team.Id, team.Name, now));
        return team;
    }

    /// <summary>Adds a member with the given role. Only an owner may make someone an owner.</summary>
    public OrgMembership AddMember(UserId actor, UserId user, OrgRole role, DateTimeOffset now)
    {
        if (IsMember(user))
            throw new RuleViolationException("org.member_exists", "That user is already a member of this organization.");
        if (role == OrgRole.Owner) RequireOwner(actor);
        var membership = new OrgMembership(user, role, now);
        _members.Add(membership);
        if (role == OrgRole.Owner) OwnerCount++;
        Raise(new OrgMemberAdded(Id, user, role, now));
        return membership;
    }

    /// <summary>Makes the user an <c>org_member</c> unless they already belong; true when they were added.</summary>
    public bool EnsureMember(UserId user, DateTimeOffset now)
    {
        if (IsMember(user)) return false;
        _members.Add(new OrgMembership(user, OrgRole.Member, now));
        Raise(new OrgMemberAdded(Id, user, OrgRole.Member, now));
        return true;
    }

    public void ChangeMemberRole(UserId actor, UserId user, OrgRole role, DateTimeOffset now)
    {
        var membership = MembershipOf(user);
        if (membership.Role == role) return;
        if (role == OrgRole.Owner || membership.Role == OrgRole.Owner) RequireOwner(actor);
        if (membership.Role == OrgRole.Owner) RequireAnotherOwner();
        if (membership.Role == OrgRole.Owner) OwnerCount--;
        if (role == OrgRole.Owner) OwnerCount++;
        membership.ChangeRole(role);
        Raise(new OrgMemberRoleChanged(Id, user, role, now));
    }

    public void RemoveMember(UserId actor, UserId user, DateTimeOffset now)
    {
        var membership = MembershipOf(user);
        if (membership.Role == OrgRole.Owner)
        {
            RequireOwner(actor);
            RequireAnotherOwner();
            OwnerCount--;
        }
        _members.Remove(membership);
        Raise(new OrgMemberRemoved(Id, user, now));
    }

    private OrgMembership MembershipOf(UserId user) =>
        _members.Find(m => m.UserId == user) ?? throw new NotFoundException("member", user);

    private void RequireOwner(UserId actor)
    {
        if (RoleOf(actor) != OrgRole.Owner)
            throw new AccessDeniedException("org.owner_required", "Only an organization owner can grant, change or remove the owner role.");
    }

    private void RequireAnotherOwner()
    {
        if (OwnerCount <= 1)
            throw new RuleViolationException("org.last_owner", "An organization must keep at least one owner; make someone else an owner first.");
    }
}

public sealed class OrgMembership
{
    private OrgMembership() { }

    internal OrgMembership(UserId userId, OrgRole role, DateTimeOffset joinedAt) =>
        (UserId, Role, JoinedAt) = (userId, role, joinedAt);

    public UserId UserId { get; private set; }
    public OrgRole Role { get; private set; }
    public DateTimeOffset JoinedAt { get; private set; }

    internal void ChangeRole(OrgRole role) => Role = role;
}

public sealed record OrganizationFounded(OrganizationId Organization, UserId Founder, string Slug, DateTimeOffset OccurredAt) : IDomainEvent;
public sealed record OrganizationDeleted(OrganizationId Organization, UserId Actor, string Slug, DateTimeOffset OccurredAt) : IDomainEvent;
public sealed record OrganizationRenamed(OrganizationId Organization, string Name, DateTimeOffset OccurredAt) : IDomainEvent;
public sealed record TeamAdded(OrganizationId Organization, TeamId Team, string Name, DateTimeOffset OccurredAt) : IDomainEvent;
public sealed record OrgMemberAdded(OrganizationId Organization, UserId User, OrgRole Role, DateTimeOffset OccurredAt) : IDomainEvent;
public sealed record OrgMemberRoleChanged(OrganizationId Organization, UserId User, OrgRole Role, DateTimeOffset OccurredAt) : IDomainEvent;
public sealed record OrgMemberRemoved(OrganizationId Organization, UserId User, DateTimeOffset OccurredAt) : IDomainEvent;
