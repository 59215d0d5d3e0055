using CleanScheduler.Domain.Billing;
using CleanScheduler.Domain.Common;
using CleanScheduler.Domain.Deployments;
using CleanScheduler.Domain.Organizations;
using CleanScheduler.Domain.Teams;
using Microsoft.EntityFrameworkCore;

namespace CleanScheduler.Application.Common;

/// <summary>Loading an aggregate for a change, or answering 404 when it is not there.</summary>
public static class Loading
{
    public static async Task<Organization> GetAsync(this DbSet<Organization> organizations, OrganizationId id, CancellationToken cancellationToken) =>
        await organizations.SingleOrDefaultAsync(o => o.Id == id, cancellationToken) ?? throw new NotFoundException("organization", id.Value);

    public static async Task<Subscription> OfAsync(this DbSet<Subscription> subscriptions, OrganizationId organization, CancellationToken cancellationToken) =>
        await subscriptions.SingleOrDefaultAsync(s => s.OrganizationId == organization, cancellationToken)
        ?? throw new InvalidOperationException($"Organization {organization} has no subscription.");

    public static async Task<Deployment> GetAsync(this IQueryable<Deployment> deployments, DeploymentId id, CancellationToken cancellationToken) =>
        await deployments.SingleOrDefaultAsync(d => d.Id == id, cancellationToken) ?? throw new NotFoundException("deployment", id.Value);

    public static async Task<Team> GetAsync(this DbSet<Team> teams, TeamId id, CancellationToken cancellationToken) =>
        await teams.SingleOrDefaultAsync(t => t.Id == id, cancellationToken) ?? throw new NotFoundException("team", id.Value);
}
