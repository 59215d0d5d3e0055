using CleanScheduler.Application.Common;
using CleanScheduler.Domain.Common;
using MediatR;
using Microsoft.EntityFrameworkCore;

namespace CleanScheduler.Application.Features.Secrets;

public sealed class DeleteSecretHandler(IAppDbContext db, ISecretValueStore store, TimeProvider clock) : IRequestHandler<DeleteSecretCommand, Unit>
{
    public async Task<Unit> Handle(DeleteSecretCommand command, CancellationToken cancellationToken)
    {
        var deployment = await SecretRules.DeploymentAsync(db, command.OrganizationId, command.DeploymentId, cancellationToken);
        var entry = await SecretRules.AtScope(db.Secrets, command.OrganizationId, command.DeploymentId, command.Service)
                .SingleOrDefaultAsync(s => s.Key == command.Key, cancellationToken)
            ?? throw new NotFoundException("secret", command.Key!);
        var now = clock.GetUtcNow();
        entry.Remove(now);
        db.Secrets.Remove(entry);
        await SecretChanges.PublishAsync(db, entry, deployment, now, cancellationToken);
        await db.SaveChangesAsync(cancellationToken);
        await store.DeleteAsync(SecretTiers.ScopeOf(entry), entry.Key, cancellationToken);   // after the key is gone: no deployment reads it any more
        return Unit.Value;
    }
}
