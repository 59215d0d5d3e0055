using CleanScheduler.Application.Common;
using CleanScheduler.Application.Common.Behaviors;
using CleanScheduler.Domain.Common;
using CleanScheduler.Domain.Invitations;
using CleanScheduler.Domain.Users;
using FluentValidation;
using MediatR;
using Microsoft.EntityFrameworkCore;

namespace CleanScheduler.Application.Features.Invitations;

/// <summary>What an invitation link leads to (anonymous: the token is the credential). Unknown token: 404.</summary>
public sealed record GetInvitationByTokenQuery(string? Token) : IRequest<InvitationPreviewDto>;

public sealed class GetInvitationByTokenHandler(IAppDbContext db, TimeProvider clock) : IRequestHandler<GetInvitationByTokenQuery, InvitationPreviewDto>
{
    public async Task<InvitationPreviewDto> Handle(GetInvitationByTokenQuery query, CancellationToken cancellationToken)
    {
        var invitation = await InvitationReads.ByTokenAsync(db, query.Token, cancellationToken);
        var org = await db.Organizations.AsNoTracking().Where(o => o.Id == invitation.OrganizationId)
            .Select(o => new { o.Name, ClientName = db.Clients.Where(c => c.Id == o.ClientId).Select(c => c.Branding.DisplayName).FirstOrDefault() })
            .SingleAsync(cancellationToken);
        var team = invitation.TeamId is { } teamId
            ? await db.Teams.AsNoTracking().Where(t => t.Id == teamId).Select(t => t.Name).SingleAsync(cancellationToken)
            : null;
        var inviter = await db.Users.AsNoTracking().Where(u => u.Id == invitation.InvitedBy).Select(u => u.Email).FirstOrDefaultAsync(cancellationToken);
        return new InvitationPreviewDto(invitation.Email, org.Name, team, invitation.IsTeamInvitation ? "team" : "organization", invitation.Role,
            inviter, invitation.ExpiresAt, invitation.StatusAt(clock.GetUtcNow()).ToCode(), org.ClientName ?? ResolvedClient.Platform.DisplayName);
    }
}

/// <summary>
/// The signed-in caller accepts: their verified e-mail must be the invited address (case-insensitive), and a team
/// invitation needs room in the team now. Expired, used or withdrawn: 410.
/// </summary>
public sealed record AcceptInvitationCommand(string? Token) : ICommand<AcceptedInvitationDto>;

public sealed class AcceptInvitationValidator : AbstractValidator<AcceptInvitationCommand>
{
    public AcceptInvitationValidator() => RuleFor(c => c.Token).NotEmpty().MaximumLength(InvitationTokens.MaxLength);
}

public sealed class AcceptInvitationHandler(IAppDbContext db, ICurrentUser caller, TimeProvider clock)
    : IRequestHandler<AcceptInvitationCommand, AcceptedInvitationDto>
{
    public async Task<AcceptedInvitationDto> Handle(AcceptInvitationCommand command, CancellationToken cancellationToken)
    {
        var invitation = await InvitationReads.ByTokenAsync(db, command.Token, cancellationToken);
        var org = await db.Organizations.SingleAsync(o => o.Id == invitation.OrganizationId, cancellationToken);
        var now = clock.GetUtcNow();
        if (!EmailAddress.TryParse(caller.Email, out var email))
            throw new AccessDeniedException("invitation.wrong_email", "Your account has no usable e-mail address.");
        if (invitation.TeamId is { } teamId)
        {
            var team = await db.Teams.SingleAsync(t => t.Id == teamId, cancellationToken);
            var subscription = await db.Subscriptions.OfAsync(org.Id, cancellationToken);
            invitation.AcceptIntoTeam(org, team, subscription, caller.Id, email, now);
        }
        else
        {
            invitation.AcceptIntoOrganization(org, caller.Id, email, now);
        }
        await db.SaveChangesAsync(cancellationToken);
        return new AcceptedInvitationDto(org.Id.Value, invitation.TeamId?.Value);
    }
}

/// <summary>Declines an invitation; no account needed (the link is the credential).</summary>
public sealed record DeclineInvitationCommand(string? Token) : ICommand<Unit>;

public sealed class DeclineInvitationValidator : AbstractValidator<DeclineInvitationCommand>
{
    public DeclineInvitationValidator() => RuleFor(c => c.Token).NotEmpty().MaximumLength(InvitationTokens.MaxLength);
}

public sealed class DeclineInvitationHandler(IAppDbContext db, TimeProvider clock, InvitationMailer mailer) : IRequestHandler<DeclineInvitationCommand, Unit>
{
    public async Task<Unit> Handle(DeclineInvitationCommand command, CancellationToken cancellationToken)
    {
        var invitation = await InvitationReads.ByTokenAsync(db, command.Token, cancellationToken);
        invitation.Decline(clock.GetUtcNow());
        await mailer.DropUnsentAsync(invitation, cancellationToken);
        await db.SaveChangesAsync(cancellationToken);
        return Unit.Value;
    }
}
