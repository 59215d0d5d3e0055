using CleanScheduler.Application.Common;
using CleanScheduler.Domain.Deployments;
using CleanScheduler.Domain.Secrets;
using FluentValidation;
using Microsoft.EntityFrameworkCore;

namespace CleanScheduler.Application.Features.Secrets;

internal static class SecretChanges
{
    /// <summary>Every deployment the key reaches gets a new revision (and with it an outbox row): all of the organization's for an organization secret.</summary>
    public static async Task<IReadOnlyList<Deployment>> PublishAsync(IAppDbContext db, SecretEntry entry, Deployment? deployment, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var reached = deployment is not null ? [deployment]
            : await db.Deployments.Where(d => d.OrganizationId == entry.OrganizationId).ToListAsync(cancellationToken);
        foreach (var d in reached) d.SecretsChanged(now);
        return reached;
    }
}
