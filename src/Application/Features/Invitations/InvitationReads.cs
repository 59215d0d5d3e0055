using CleanScheduler.Application.Common;
using CleanScheduler.Domain.Invitations;
using Microsoft.EntityFrameworkCore;

namespace CleanScheduler.Application.Features.Invitations;

internal static class InvitationReads
{
    /// <summary>The invitations matching <paramref name="filter"/> as DTOs, newest first, with their target's name and the inviter's e-mail.</summary>
    public static async Task<IReadOnlyList<InvitationDto>> ListAsync(IAppDbContext db, IQueryable<Invitation> filter, DateTimeOffset now,
        CancellationToken cancellationToken)
    {
        var rows = await filter.AsNoTracking()
            .OrderByDescending(i => i.CreatedAt)
            .Select(i => new
            {
                Invitation = i,
                OrgName = db.Organizations.Where(o => o.Id == i.OrganizationId).Select(o => o.Name).First(),
                TeamName = db.Teams.Where(t => t.Id == i.TeamId).Select(t => t.Name).FirstOrDefault(),
                Inviter = db.Users.Where(u => u.Id == i.InvitedBy).Select(u => u.Email).FirstOrDefault(),
            })
            .ToListAsync(cancellationToken);
        return rows.Select(r => ToDto(r.Invitation, r.TeamName ?? r.OrgName, r.Inviter, now)).ToList();
    }

    public static async Task<InvitationDto> OneAsync(IAppDbContext db, Invitation invitation, DateTimeOffset now, CancellationToken cancellationToken) =>
        (await ListAsync(db, db.Invitations.Where(i => i.Id == invitation.Id), now, cancellationToken)).Single();

    public static InvitationDto ToDto(Invitation i, string targetName, string? inviter, DateTimeOffset now) => new(
        i.Id.Value, i.Email, i.IsTeamInvitation ? "team" : "organization", i.TargetId, targetName, i.Role,
        i.StatusAt(now).ToCode(), i.MailStatus.ToCode(), inviter, i.CreatedAt, i.ExpiresAt);

    /// <summary>The invitation a link's token names, or 404 (an unknown token looks like any other missing invitation).</summary>
    public static async Task<Invitation> ByTokenAsync(IAppDbContext db, string? token, CancellationToken cancellationToken)
    {
        var hash = InvitationTokens.Hash(token ?? "");
        return await db.Invitations.SingleOrDefaultAsync(i => i.TokenHash == hash, cancellationToken)
            ?? throw new Domain.Common.NotFoundException("invitation", "of this link");   // never the token itself
    }
}
