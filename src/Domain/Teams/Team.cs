using CleanScheduler.Domain.Authorization;
using CleanScheduler.Domain.Billing;
using CleanScheduler.Domain.Common;
using CleanScheduler.Domain.Organizations;

namespace CleanScheduler.Domain.Teams;

/// <summary>
/// A group of members inside an organization; deployments and templates belong to a team.
/// <see cref="MemberCount"/> backs the "members per team" limit: every add or removal updates the row,
/// so racing additions to a full team cannot both commit.
/// </summary>
public sealed class Team : AggregateRoot<TeamId>
{
    private readonly List<TeamMembership> _members = [];

    private Team() { }

    public OrganizationId OrganizationId { get; private set; }
    public string Name { get; private set; } = null!;
    public bool IsDefault { get; private set; }
    public int MemberCount { get; private set; }
    public DateTimeOffset CreatedAt { get; private set; }
    public IReadOnlyCollection<TeamMembership> Members => _members;

    internal static Team Create(OrganizationId organization, string name, bool isDefault, DateTimeOffset now) => new()
    {
        Id = TeamId.New(),
        OrganizationId = organization,
        Name = DisplayName.From(name, "team name"),
        IsDefault = isDefault,
        CreatedAt = now,
    };

    public TeamRole? RoleOf(UserId user) => _members.Find(m => m.UserId == user)?.Role;

    public void Rename(string name, DateTimeOffset now)
    {
        var newName = DisplayName.From(name, "team name");
        if (newName == Name) return;
        Name = newName;
        Raise(new TeamRenamed(OrganizationId, Id, newName, now));
    }

    /// <summary>
    /// Adds a member of <paramref name="organization"/> to this team, within the plan's "members per team" limit.
    /// The caller makes the user an organization member first.
    /// </summary>
    public TeamMembership AddMember(Organization organization, Subscription subscription, UserId user, TeamRole role, DateTimeOffset now)
    {
        if (organization.Id != OrganizationId || subscription.OrganizationId != OrganizationId)
            throw new InvalidOperationException("The team belongs to another organization.");
        if (!organization.IsMember(user))
            throw new InvalidOperationException("Only members of the organization can join its teams.");
        if (_members.Exists(m => m.UserId == user))
            throw new RuleViolationException("team.member_exists", "That user is already a member of this team.");
        subscription.EnsureTeamHasRoom(MemberCount, now);

        var membership = new TeamMembership(user, role, now);
        _members.Add(membership);
        MemberCount++;
        Raise(new TeamMemberAdded(OrganizationId, Id, user, role, now));
        return membership;
    }

    public void ChangeMemberRole(UserId user, TeamRole role, DateTimeOffset now)
    {
        var membership = MembershipOf(user);
        if (membership.Role == role) return;
        membership.ChangeRole(role);
        Raise(new TeamMemberRoleChanged(OrganizationId, Id, user, role, now));
    }

    public void RemoveMember(UserId user, DateTimeOffset now)
    {
        _members.Remove(MembershipOf(user));
        MemberCount--;
        Raise(new TeamMemberRemoved(OrganizationId, Id, user, now));
    }

    /// <summary>Removes the user if they belong to this team (used when they leave the organization).</summary>
    public bool RemoveMemberIfPresent(UserId user, DateTimeOffset now)
    {
        if (!_members.Exists(m => m.UserId == user)) return false;
        RemoveMember(user, now);
        return true;
    }

    /// <summary>Throws when the team cannot be deleted: the default team lives as long as its organization.</summary>
    public void EnsureDeletable()
    {
        if (IsDefault)
            throw new RuleViolationException("team.default_team", "The default team cannot be deleted; it is removed with its organization.");
    }

    /// <summary>Records that the team is being deleted (the handler removes it).</summary>
    public void MarkDeleted(DateTimeOffset now)
    {
        EnsureDeletable();
        Raise(new TeamDeleted(OrganizationId, Id, Name, now));
    }

    private TeamMembership MembershipOf(UserId user) =>
        _members.Find(m => m.UserId == user) ?? throw new NotFoundException("member", user);
}

public sealed class TeamMembership
{
    private TeamMembership() { }

    internal TeamMembership(UserId userId, TeamRole role, DateTimeOffset addedAt) =>
        (UserId, Role, AddedAt) = (userId, role, addedAt);

    public UserId UserId { get; private set; }
    public TeamRole Role { get; private set; }
    public DateTimeOffset AddedAt { get; private set; }

    internal void ChangeRole(TeamRole role) => Role = role;
}

public sealed record TeamDeleted(OrganizationId Organization, TeamId Team, string Name, DateTimeOffset OccurredAt) : IDomainEvent;
public sealed record TeamRenamed(OrganizationId Organization, TeamId Team, string Name, DateTimeOffset OccurredAt) : IDomainEvent;
public sealed record TeamMemberAdded(OrganizationId Organization, TeamId Team, UserId User, TeamRole Role, DateTimeOffset OccurredAt) : IDomainEvent;
public sealed record TeamMemberRoleChanged(OrganizationId Organization, TeamId Team, UserId User, TeamRole Role, DateTimeOffset OccurredAt) : IDomainEvent;
public sealed record TeamMemberRemoved(OrganizationId Organization, TeamId Team, UserId User, DateTimeOffset OccurredAt) : IDomainEvent;
