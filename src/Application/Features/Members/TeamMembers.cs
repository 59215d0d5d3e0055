using CleanScheduler.Application.Common;
using CleanScheduler.Application.Common.Behaviors;
using CleanScheduler.Application.Features.Users;
using CleanScheduler.Domain.Authorization;
using CleanScheduler.Domain.Common;
using CleanScheduler.Domain.Users;
using FluentValidation;
using Mapster;
using MediatR;
using Microsoft.EntityFrameworkCore;

namespace CleanScheduler.Application.Features.Members;

public sealed record ListTeamMembersQuery(TeamId TeamId, int Page = 1, int PageSize = Paging.DefaultPageSize)
    : IRequest<Paged<MemberDto>>, IAuthorizedRequest, IPagedQuery
{
    public Permission Permission => Permission.TeamRead;
    public ResourceRef Resource => new ResourceRef.Team(TeamId);
}

public sealed class ListTeamMembersValidator : AbstractValidator<ListTeamMembersQuery>
{
    public ListTeamMembersValidator() => this.RulesForPaging();
}

public sealed class ListTeamMembersHandler(IAppDbContext db, TypeAdapterConfig mapping) : IRequestHandler<ListTeamMembersQuery, Paged<MemberDto>>
{
    public Task<Paged<MemberDto>> Handle(ListTeamMembersQuery query, CancellationToken cancellationToken) =>
        db.Teams.AsNoTracking()
            .Where(t => t.Id == query.TeamId)
            .SelectMany(t => t.Members)
            .Join(db.Users, m => m.UserId, u => u.Id, (m, u) => new { m.UserId, u.Email, u.DisplayName, m.Role, Since = m.AddedAt })
            .OrderBy(m => m.Email)
            .ProjectToType<MemberDto>(mapping)
            .ToPageAsync(query, cancellationToken);
}

/// <summary>
/// Adds someone to a team by e-mail, within the tier's members-per-team limit. They join the organization as
/// <c>org_member</c> if they were not in it. Only people with an account; anyone else is invited (<c>member.no_account</c>).
/// </summary>
public sealed record AddTeamMemberCommand(TeamId TeamId, string? Email, string? Role) : ICommand<MemberDto>, IAuthorizedRequest
{
    public Permission Permission => Permission.TeamManageMembers;
    public ResourceRef Resource => new ResourceRef.Team(TeamId);
}

public sealed class AddTeamMemberValidator : AbstractValidator<AddTeamMemberCommand>
{
    public AddTeamMemberValidator()
    {
        RuleFor(c => c.Email).ValidEmail();
        RuleFor(c => c.Role).ValidTeamRole();
    }
}

public sealed class AddTeamMemberHandler(IAppDbContext db, TimeProvider clock) : IRequestHandler<AddTeamMemberCommand, MemberDto>
{
    public async Task<MemberDto> Handle(AddTeamMemberCommand command, CancellationToken cancellationToken)
    {
        var team = await db.Teams.GetAsync(command.TeamId, cancellationToken);
        var org = await db.Organizations.SingleAsync(o => o.Id == team.OrganizationId, cancellationToken);
        var subscription = await db.Subscriptions.OfAsync(team.OrganizationId, cancellationToken);
        var now = clock.GetUtcNow();
        var user = await UserDirectory.GetExistingAsync(db, EmailAddress.From(command.Email!), cancellationToken);

        org.EnsureMember(user.Id, now);
        var membership = team.AddMember(org, subscription, user.Id, RoleCodes.ParseTeamRole(command.Role!), now);
        await db.SaveChangesAsync(cancellationToken);
        return new MemberDto(user.Id.Value, user.Email, user.DisplayName, membership.Role.ToCode(), membership.AddedAt);
    }
}

public sealed record ChangeTeamMemberRoleCommand(TeamId TeamId, UserId UserId, string? Role) : ICommand<MemberDto>, IAuthorizedRequest
{
    public Permission Permission => Permission.TeamManageMembers;
    public ResourceRef Resource => new ResourceRef.Team(TeamId);
}

public sealed class ChangeTeamMemberRoleValidator : AbstractValidator<ChangeTeamMemberRoleCommand>
{
    public ChangeTeamMemberRoleValidator() => RuleFor(c => c.Role).ValidTeamRole();
}

public sealed class ChangeTeamMemberRoleHandler(IAppDbContext db, TimeProvider clock) : IRequestHandler<ChangeTeamMemberRoleCommand, MemberDto>
{
    public async Task<MemberDto> Handle(ChangeTeamMemberRoleCommand command, CancellationToken cancellationToken)
    {
        var team = await db.Teams.GetAsync(command.TeamId, cancellationToken);
        team.ChangeMemberRole(command.UserId, RoleCodes.ParseTeamRole(command.Role!), clock.GetUtcNow());
        await db.SaveChangesAsync(cancellationToken);

        var membership = team.Members.Single(m => m.UserId == command.UserId);
        var user = await db.Users.AsNoTracking().SingleAsync(u => u.Id == command.UserId, cancellationToken);
        return new MemberDto(user.Id.Value, user.Email, user.DisplayName, membership.Role.ToCode(), membership.AddedAt);
    }
}

public sealed record RemoveTeamMemberCommand(TeamId TeamId, UserId UserId) : ICommand<Unit>, IAuthorizedRequest
{
    public Permission Permission => Permission.TeamManageMembers;
    public ResourceRef Resource => new ResourceRef.Team(TeamId);
}

public sealed class RemoveTeamMemberHandler(IAppDbContext db, TimeProvider clock) : IRequestHandler<RemoveTeamMemberCommand, Unit>
{
    public async Task<Unit> Handle(RemoveTeamMemberCommand command, CancellationToken cancellationToken)
    {
        var team = await db.Teams.GetAsync(command.TeamId, cancellationToken);
        team.RemoveMember(command.UserId, clock.GetUtcNow());
        await db.SaveChangesAsync(cancellationToken);
        return Unit.Value;
    }
}
