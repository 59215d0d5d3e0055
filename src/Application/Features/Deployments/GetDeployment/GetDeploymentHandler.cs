using CleanScheduler.Application.Common;
using CleanScheduler.Application.Features.Templates;
using MediatR;
using Microsoft.EntityFrameworkCore;

namespace CleanScheduler.Application.Features.Deployments;

public sealed class GetDeploymentHandler(IAppDbContext db, TemplateSpecCache specs) : IRequestHandler<GetDeploymentQuery, DeploymentDetails>
{
    public async Task<DeploymentDetails> Handle(GetDeploymentQuery query, CancellationToken cancellationToken) =>
        await DeploymentReads.DetailsAsync(db, specs, await db.Deployments.AsNoTracking().GetAsync(query.Id, cancellationToken), cancellationToken);
}
