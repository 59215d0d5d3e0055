using CleanScheduler.Application.Common;
using CleanScheduler.Domain.Common;
using CleanScheduler.Domain.Invitations;
using CleanScheduler.Domain.Organizations;
using CleanScheduler.Domain.Teams;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace CleanScheduler.Infrastructure.Persistence;

/// <summary>Invitations (migration 0014) and the mail outbox rows queued with them.</summary>
public sealed class InvitationConfiguration : IEntityTypeConfiguration<Invitation>, IEntityTypeConfiguration<OutboxMailRow>
{
    public void Configure(EntityTypeBuilder<Invitation> invitation)
    {
        invitation.ToTable("invitations");
        invitation.HasKey(i => i.Id);
        invitation.Property(i => i.Id).HasConversion(id => id.Value, v => new InvitationId(v));
        invitation.Property(i => i.Version).IsRowVersion();
        invitation.Property(i => i.Status).HasConversion(s => s.ToCode(), v => InvitationCodes.ParseStatus(v));
        invitation.Property(i => i.MailStatus).HasConversion(s => s.ToCode(), v => InvitationCodes.ParseMailStatus(v));
        invitation.HasOne<Organization>().WithMany().HasForeignKey(i => i.OrganizationId).OnDelete(DeleteBehavior.Cascade);
        invitation.HasOne<Team>().WithMany().HasForeignKey(i => i.TeamId).OnDelete(DeleteBehavior.Cascade);
        invitation.Ignore(i => i.IsTeamInvitation);
    }

    public void Configure(EntityTypeBuilder<OutboxMailRow> row)
    {
        row.ToTable("mail_outbox");
        row.HasKey(r => r.Id);
        row.Property(r => r.Id).ValueGeneratedNever();
    }
}
