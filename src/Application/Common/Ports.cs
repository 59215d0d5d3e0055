using CleanScheduler.Domain.Billing;
using CleanScheduler.Domain.Clients;
using CleanScheduler.Domain.Common;
using CleanScheduler.Domain.Deployments;
using CleanScheduler.Domain.Invitations;
using CleanScheduler.Domain.Templates;
using CleanScheduler.Domain.Organizations;
using CleanScheduler.Domain.Teams;
using CleanScheduler.Domain.Users;
using Microsoft.EntityFrameworkCore;

namespace CleanScheduler.Application.Common;

/// <summary>The database as the use cases see it: aggregate roots only, saved together in one transaction.</summary>
public interface IAppDbContext
{
    DbSet<User> Users { get; }
    DbSet<Organization> Organizations { get; }
    DbSet<Team> Teams { get; }
    DbSet<Client> Clients { get; }
    DbSet<BillingPlan> Plans { get; }
    DbSet<Subscription> Subscriptions { get; }
    DbSet<Template> Templates { get; }
    DbSet<Deployment> Deployments { get; }
    DbSet<Invitation> Invitations { get; }
    DbSet<Domain.Tasks.TaskRun> Tasks { get; }

    /// <summary>Mail to send, queued with the change it announces.</summary>
    DbSet<OutboxMailRow> MailOutbox { get; }
    DbSet<Domain.Secrets.SecretEntry> Secrets { get; }

    /// <summary>The audit log (read side); rows are written from domain events when changes are saved.</summary>
    DbSet<AuditEntry> AuditEntries { get; }

    /// <summary>Payment provider events applied so far (their ids), written in the transaction of their effect.</summary>
    DbSet<Features.Billing.BillingEventRecord> BillingEvents { get; }

    /// <summary>
    /// Commits every tracked change in one transaction. Throws <see cref="DbUpdateConcurrencyException"/> when an
    /// aggregate changed since it was read, and <see cref="ConstraintViolationException"/> when a database rule refuses it.
    /// </summary>
    Task<int> SaveChangesAsync(CancellationToken cancellationToken);

    /// <summary>Forgets everything read or changed so far, so that a retried command starts from fresh state.</summary>
    void DiscardChanges();

    /// <summary>
    /// Loads an organization's subscription and locks its row until the next <see cref="SaveChangesAsync"/> commits
    /// (or the work is abandoned): competing changes to the same counters wait their turn instead of failing.
    /// Read everything else first; lock last.
    /// </summary>
    Task<Subscription> LockSubscriptionAsync(OrganizationId organization, CancellationToken cancellationToken);
}

/// <summary>The authenticated person behind the current request.</summary>
public interface ICurrentUser
{
    UserId Id { get; }
    string Email { get; }
    bool IsPlatformAdmin { get; }

    /// <summary>
    /// The one organization this request may reach (an API token limited to it), or null: every organization the user
    /// belongs to. The membership reads apply it, so anything of another organization answers 404 and lists leave it out.
    /// </summary>
    OrganizationId? OrganizationLimit { get; }
}
