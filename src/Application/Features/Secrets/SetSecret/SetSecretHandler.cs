using CleanScheduler.Application.Common;
using CleanScheduler.Application.Features.Templates;
using CleanScheduler.Domain.Common;
using CleanScheduler.Domain.Secrets;
using MediatR;
using Microsoft.EntityFrameworkCore;

namespace CleanScheduler.Application.Features.Secrets;

public sealed class SetSecretHandler(IAppDbContext db, ISecretValueStore store, ISecretCipher cipher, TemplateSpecCache specs, ICurrentUser user, TimeProvider clock)
    : IRequestHandler<SetSecretCommand, SecretKeyDto>
{
    public async Task<SecretKeyDto> Handle(SetSecretCommand command, CancellationToken cancellationToken)
    {
        var deployment = await SecretRules.DeploymentAsync(db, command.OrganizationId, command.DeploymentId, cancellationToken);
        if (deployment is not null) await SecretRules.RequireServiceAsync(db, specs, deployment, command.Service, cancellationToken);
        await db.LockSubscriptionAsync(command.OrganizationId, cancellationToken);   // concurrent sets of the organization count one after the other
        var now = clock.GetUtcNow();
        now = now.AddTicks(-(now.Ticks % 10));   // as stored (microseconds): the answer shows what a list shows later
        var keys = await SecretRules.AtScope(db.Secrets, command.OrganizationId, command.DeploymentId, command.Service).ToListAsync(cancellationToken);
        var entry = keys.SingleOrDefault(s => s.Key == command.Key);
        if (entry is null && keys.Count >= SecretLimits.MaxKeysPerScope)
            throw new RuleViolationException("secret.limit", $"At most {SecretLimits.MaxKeysPerScope} keys can be set here; delete one first.");
        var existed = entry is not null;
        if (entry is null)
            db.Secrets.Add(entry = SecretEntry.Set(command.OrganizationId, command.DeploymentId, command.Service, command.Key!, user.Id, now));
        else
            entry.Replaced(user.Id, now);
        var scope = SecretTiers.ScopeOf(entry);

        var reached = await SecretChanges.PublishAsync(db, entry, deployment, now, cancellationToken);
        await SecretLimits.RequireWithinAsync(db, store, cipher, specs, reached, entry, command.Value!, cancellationToken);
        var previous = existed ? (await store.ReadAsync(scope, cancellationToken)).GetValueOrDefault(entry.Key) : null;
        try
        {
            await store.WriteAsync(scope, entry.Key, command.Value!, cancellationToken);
            await db.SaveChangesAsync(cancellationToken);
        }
        catch
        {
            // A write or a save that failed (the write may have landed): the backend goes back to what the database says,
            // so no value is live without its key and audit entry.
            if (previous is null) await store.DeleteAsync(scope, entry.Key, CancellationToken.None);
            else await store.WriteAsync(scope, entry.Key, previous, CancellationToken.None);
            throw;
        }
        return new SecretKeyDto(entry.Key, scope.Tier.ToCode(), entry.DeploymentId?.Value, entry.Service, entry.UpdatedAt, user.Email);
    }
}
