using CleanScheduler.Application.Common;
using CleanScheduler.Application.Features.Templates;
using MediatR;
using Microsoft.EntityFrameworkCore;

namespace CleanScheduler.Application.Features.Secrets;

public sealed class GetEffectiveSecretsHandler(IAppDbContext db, TemplateSpecCache specs) : IRequestHandler<GetEffectiveSecretsQuery, IReadOnlyList<EffectiveSecretDto>>
{
    public async Task<IReadOnlyList<EffectiveSecretDto>> Handle(GetEffectiveSecretsQuery query, CancellationToken cancellationToken)
    {
        var deployment = await db.Deployments.AsNoTracking().GetAsync(query.Id, cancellationToken);
        var effective = await DeploymentSecrets.EffectiveAsync(db, specs, deployment, cancellationToken);
        return effective.Select(e => new EffectiveSecretDto(e.Service, e.Key, e.Tier.ToCode())).ToList();
    }
}
