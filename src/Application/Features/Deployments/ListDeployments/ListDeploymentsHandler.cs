using CleanScheduler.Application.Common;
using CleanScheduler.Domain.Authorization;
using CleanScheduler.Domain.Deployments;
using CleanScheduler.Domain.Templates;
using FluentValidation;
using MediatR;
using Microsoft.EntityFrameworkCore;

namespace CleanScheduler.Application.Features.Deployments;

/// <summary>One round trip when the caller may read: the page is read only where they hold deploy:read (<see cref="IAccessScopedRequest"/>).</summary>
public sealed class ListDeploymentsHandler(IAppDbContext db, ResourceAuthorizer authorizer) : IRequestHandler<ListDeploymentsQuery, Paged<DeploymentSummary>>
{
    public async Task<Paged<DeploymentSummary>> Handle(ListDeploymentsQuery query, CancellationToken cancellationToken)
    {
        var granted = authorizer.Granting(query.Team, query.Permission);
        var deployments = db.Deployments.AsNoTracking().Where(d => d.TeamId == query.TeamId && granted.Any());
        if (query.State is not null && DeploymentCodes.TryParseState(query.State, out var state))
            deployments = deployments.Where(d => d.State == state);
        if (query.Phase is not null)
        {
            var phase = DeploymentCodes.ParsePhase(query.Phase);
            deployments = deployments.Where(d => d.Phase == phase);
        }
        var page = await deployments
            .Join(db.Templates, d => d.TemplateId, t => t.Id, (d, t) => new   // a deployment's template version exists (foreign key)
            {
                d.Id, d.TeamId, d.Name, d.State, d.Phase, d.Host, d.TemplateId, d.TemplateVersion, d.CreatedBy, d.CreatedAt, d.UpdatedAt,
                TemplateName = t.Name,
            })
            .OrderBy(d => d.Name)
            .ToPageAsync(query, cancellationToken, literalBounds: true);
        await authorizer.ConfirmAsync(query.Team, query.Permission, page.Total > 0, cancellationToken);
        return new Paged<DeploymentSummary>(page.Items.Select(d => new DeploymentSummary(
            d.Id.Value, d.TeamId.Value, d.Name, d.State.ToCode(), d.Phase.ToCode(), $"https://{d.Host}", d.TemplateId.Value, d.TemplateName,
            d.TemplateVersion, d.CreatedBy.Value, d.CreatedAt, d.UpdatedAt)).ToList(), page.Page, page.PageSize, page.Total);
    }
}
