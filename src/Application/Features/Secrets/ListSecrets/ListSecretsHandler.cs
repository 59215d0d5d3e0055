using CleanScheduler.Application.Common;
using CleanScheduler.Domain.Common;
using FluentValidation;
using MediatR;
using Microsoft.EntityFrameworkCore;

namespace CleanScheduler.Application.Features.Secrets;

public sealed class ListSecretsHandler(IAppDbContext db) : IRequestHandler<ListSecretsQuery, IReadOnlyList<SecretKeyDto>>
{
    public async Task<IReadOnlyList<SecretKeyDto>> Handle(ListSecretsQuery query, CancellationToken cancellationToken)
    {
        await SecretRules.DeploymentAsync(db, query.OrganizationId, query.DeploymentId, cancellationToken);
        var rows = db.Secrets.AsNoTracking().Where(s => s.OrganizationId == query.OrganizationId && s.DeploymentId == query.DeploymentId);
        if (query.Service is not null) rows = rows.Where(s => s.Service == query.Service);
        var found = await rows
            .GroupJoin(db.Users, s => s.UpdatedBy, u => (UserId?)u.Id, (s, users) => new { s, users })
            .SelectMany(x => x.users.DefaultIfEmpty(), (x, u) => new { x.s, Email = u == null ? null : u.Email })
            .ToListAsync(cancellationToken);
        return found.Select(x => new SecretKeyDto(x.s.Key, SecretTiers.ScopeOf(x.s).Tier.ToCode(), x.s.DeploymentId?.Value, x.s.Service, x.s.UpdatedAt, x.Email))
            .OrderBy(d => d.Service ?? "", StringComparer.Ordinal).ThenBy(d => d.Key, StringComparer.Ordinal).ToList();
    }
}
