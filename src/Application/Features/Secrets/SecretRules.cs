using CleanScheduler.Application.Common;
using CleanScheduler.Application.Features.Templates;
using CleanScheduler.Domain.Common;
using CleanScheduler.Domain.Deployments;
using CleanScheduler.Domain.Secrets;
using FluentValidation;

namespace CleanScheduler.Application.Features.Secrets;

internal static class SecretRules
{
    public static bool IsServiceName(string? service) =>
        service is null || (service.Length is > 0 and <= 63 && service.All(c => c is >= 'a' and <= 'z' or >= '0' and <= '9' or '-'));

    /// <summary>The deployment of the request, which must belong to the organization named (another one's answers 404).</summary>
    public static async Task<Deployment?> DeploymentAsync(IAppDbContext db, OrganizationId organization, DeploymentId? id, CancellationToken cancellationToken)
    {
        if (id is not { } deploymentId) return null;
        var deployment = await db.Deployments.GetAsync(deploymentId, cancellationToken);
        return deployment.OrganizationId == organization ? deployment : throw new NotFoundException("deployment", deploymentId.Value);
    }

    /// <summary>A service must be one of the template version the deployment runs (400 <c>validation.failed</c> on <c>service</c> otherwise).</summary>
    public static async Task RequireServiceAsync(IAppDbContext db, TemplateSpecCache specs, Deployment deployment, string? service, CancellationToken cancellationToken)
    {
        if (service is null) return;
        var (_, spec) = await Deployments.DeploymentReads.TemplateOfAsync(db, specs, deployment.TemplateId, deployment.TemplateVersion, cancellationToken);
        if (spec.Services.All(s => s.Name != service))
            throw new ValidationException([new FluentValidation.Results.ValidationFailure("service", $"The deployment's template has no service '{service}'.")]);
    }

    public static IQueryable<SecretEntry> AtScope(IQueryable<SecretEntry> secrets, OrganizationId organization, DeploymentId? deployment, string? service) =>
        secrets.Where(s => s.OrganizationId == organization && s.DeploymentId == deployment && s.Service == service);
}
