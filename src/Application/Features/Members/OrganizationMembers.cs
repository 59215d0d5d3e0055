using CleanScheduler.Application.Common;
using CleanScheduler.Application.Common.Behaviors;
using CleanScheduler.Application.Features.Users;
using CleanScheduler.Domain.Authorization;
using CleanScheduler.Domain.Common;
using CleanScheduler.Domain.Organizations;
using CleanScheduler.Domain.Users;
using FluentValidation;
using Mapster;
using MediatR;
using Microsoft.EntityFrameworkCore;

namespace CleanScheduler.Application.Features.Members;

public sealed record ListOrganizationMembersQuery(OrganizationId OrganizationId, int Page = 1, int PageSize = Paging.DefaultPageSize)
    : IRequest<Paged<MemberDto>>, IAuthorizedRequest, IPagedQuery
{
    public Permission Permission => Permission.OrgRead;
    public ResourceRef Resource => new ResourceRef.Organization(OrganizationId);
}

public sealed class ListOrganizationMembersValidator : AbstractValidator<ListOrganizationMembersQuery>
{
    public ListOrganizationMembersValidator() => this.RulesForPaging();
}

public sealed class ListOrganizationMembersHandler(IAppDbContext db, TypeAdapterConfig mapping) : IRequestHandler<ListOrganizationMembersQuery, Paged<MemberDto>>
{
    public Task<Paged<MemberDto>> Handle(ListOrganizationMembersQuery query, CancellationToken cancellationToken) =>
        db.Organizations.AsNoTracking()
            .Where(o => o.Id == query.OrganizationId)
            .SelectMany(o => o.Members)
            .Join(db.Users, m => m.UserId, u => u.Id, (m, u) => new { m.UserId, u.Email, u.DisplayName, m.Role, Since = m.JoinedAt })
            .OrderBy(m => m.Email)
            .ProjectToType<MemberDto>(mapping)
            .ToPageAsync(query, cancellationToken);
}

/// <summary>Adds someone who has an account to an organization by e-mail; anyone else is invited (<c>member.no_account</c>).</summary>
public sealed record AddOrganizationMemberCommand(OrganizationId OrganizationId, string? Email, string? Role)
    : ICommand<MemberDto>, IAuthorizedRequest
{
    public Permission Permission => Permission.OrgManageMembers;
    public ResourceRef Resource => new ResourceRef.Organization(OrganizationId);
}

public sealed class AddOrganizationMemberValidator : AbstractValidator<AddOrganizationMemberCommand>
{
    public AddOrganizationMemberValidator()
    {
        RuleFor(c => c.Email).ValidEmail();
        RuleFor(c => c.Role).ValidOrgRole();
    }
}

public sealed class AddOrganizationMemberHandler(IAppDbContext db, ICurrentUser caller, TimeProvider clock)
    : IRequestHandler<AddOrganizationMemberCommand, MemberDto>
{
    public async Task<MemberDto> Handle(AddOrganizationMemberCommand command, CancellationToken cancellationToken)
    {
        var org = await db.Organizations.GetAsync(command.OrganizationId, cancellationToken);
        var now = clock.GetUtcNow();
        var user = await UserDirectory.GetExistingAsync(db, EmailAddress.From(command.Email!), cancellationToken);

        var membership = org.AddMember(caller.Id, user.Id, RoleCodes.ParseOrgRole(command.Role!), now);
        await db.SaveChangesAsync(cancellationToken);
        return new MemberDto(user.Id.Value, user.Email, user.DisplayName, membership.Role.ToCode(), membership.JoinedAt);
    }
}

public sealed record ChangeOrganizationMemberRoleCommand(OrganizationId OrganizationId, UserId UserId, string? Role)
    : ICommand<MemberDto>, IAuthorizedRequest
{
    public Permission Permission => Permission.OrgManageMembers;
    public ResourceRef Resource => new ResourceRef.Organization(OrganizationId);
}

public sealed class ChangeOrganizationMemberRoleValidator : AbstractValidator<ChangeOrganizationMemberRoleCommand>
{
    public ChangeOrganizationMemberRoleValidator() => RuleFor(c => c.Role).ValidOrgRole();
}

public sealed class ChangeOrganizationMemberRoleHandler(IAppDbContext db, ICurrentUser caller, TimeProvider clock)
    : IRequestHandler<ChangeOrganizationMemberRoleCommand, MemberDto>
{
    public async Task<MemberDto> Handle(ChangeOrganizationMemberRoleCommand command, CancellationToken cancellationToken)
    {
        var org = await db.Organizations.GetAsync(command.OrganizationId, cancellationToken);
        org.ChangeMemberRole(caller.Id, command.UserId, RoleCodes.ParseOrgRole(command.Role!), clock.GetUtcNow());
        await db.SaveChangesAsync(cancellationToken);
        return await MemberReads.OfOrganizationAsync(db, org, command.UserId, cancellationToken);
    }
}

/// <summary>Removes someone from an organization and from all its teams.</summary>
public sealed record RemoveOrganizationMemberCommand(OrganizationId OrganizationId, UserId UserId) : ICommand<Unit>, IAuthorizedRequest
{
    public Permission Permission => Permission.OrgManageMembers;
    public ResourceRef Resource => new ResourceRef.Organization(OrganizationId);
}

public sealed class RemoveOrganizationMemberHandler(IAppDbContext db, ICurrentUser caller, TimeProvider clock)
    : IRequestHandler<RemoveOrganizationMemberCommand, Unit>
{
    public async Task<Unit> Handle(RemoveOrganizationMemberCommand command, CancellationToken cancellationToken)
    {
        var org = await db.Organizations.GetAsync(command.OrganizationId, cancellationToken);
        var now = clock.GetUtcNow();
        org.RemoveMember(caller.Id, command.UserId, now);
        var teams = await db.Teams
            .Where(t => t.OrganizationId == org.Id && t.Members.Any(m => m.UserId == command.UserId))
            .ToListAsync(cancellationToken);
        foreach (var team in teams) team.RemoveMemberIfPresent(command.UserId, now);
        await db.SaveChangesAsync(cancellationToken);
        return Unit.Value;
    }
}

internal static class MemberReads
{
    public static async Task<MemberDto> OfOrganizationAsync(IAppDbContext db, Organization org, UserId userId, CancellationToken cancellationToken)
    {
        var membership = org.Members.Single(m => m.UserId == userId);
        var user = await db.Users.AsNoTracking().SingleAsync(u => u.Id == userId, cancellationToken);
        return new MemberDto(user.Id.Value, user.Email, user.DisplayName, membership.Role.ToCode(), membership.JoinedAt);
    }
}
