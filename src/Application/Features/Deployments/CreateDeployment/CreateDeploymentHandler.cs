using CleanScheduler.Application.Common;
using CleanScheduler.Application.Common.Specifications;
using CleanScheduler.Application.Features.Templates;
using CleanScheduler.Domain.Common;
using CleanScheduler.Domain.Deployments;
using CleanScheduler.Domain.Templates;
using FluentValidation;
using MediatR;
using Microsoft.EntityFrameworkCore;

namespace CleanScheduler.Application.Features.Deployments;

public sealed class CreateDeploymentHandler(
    IAppDbContext db, ICurrentUser user, ResourceAuthorizer authorizer, ISecretCipher cipher, TemplateSpecCache specs,
    UserHandles handles, DeploymentOptions options, DeploymentMetrics metrics, TimeProvider clock)
    : IRequestHandler<CreateDeploymentCommand, DeploymentDetails>
{
    public async Task<DeploymentDetails> Handle(CreateDeploymentCommand command, CancellationToken cancellationToken)
    {
        var name = DeploymentName.From(command.Name!);
        var organization = (await authorizer.MembershipAsync(new ResourceRef.Team(command.TeamId), cancellationToken)).Organization;
        if (await db.Deployments.AnyAsync(d => d.TeamId == command.TeamId && d.Name == name.Value, cancellationToken))
            throw new RuleViolationException("deployment.name_taken", $"This team already has a deployment named '{name}'.");

        var wanted = command.TemplateVersion;
        var template = await db.Templates.AsNoTracking().WithSpecification(new TemplatesUsableInTeam(organization, command.TeamId, user.Id))
            .Where(t => t.Id == command.TemplateId)
            .Select(t => new
            {
                t.Name,
                Version = t.Versions.Where(v => v.Number == (wanted ?? t.CurrentVersion)).Select(v => new { v.Number, v.Spec }).FirstOrDefault(),
            })
            .SingleOrDefaultAsync(cancellationToken) ?? throw new NotFoundException("template", command.TemplateId.Value);
        var version = template.Version ?? throw new NotFoundException("template_version", wanted!.Value);
        var spec = specs.Get(command.TemplateId, version.Number, version.Spec);
        var resolved = DeploymentValueRules.ResolveOrThrow(spec, command.Values ?? new Dictionary<string, string?>());

        var handle = await handles.OfAsync(db, user.Id, cancellationToken);
        var secrets = resolved.Secret.Select(kv =>
        {
            var (ciphertext, keyId) = cipher.Encrypt(kv.Value, DeploymentReads.SecretContext(organization, command.TeamId, name.Value, kv.Key));
            return new SecretValue(kv.Key, ciphertext, keyId);
        }).ToList();

        var subscription = await db.LockSubscriptionAsync(organization, cancellationToken);   // last read: the lock is held until the save
        var deployment = subscription.LaunchDeployment(command.TeamId, organization, name, user.Id, handle, options.Domain,
            command.TemplateId, version.Number, resolved.Plain, secrets, clock.GetUtcNow());
        specs.EnsureRenderable(spec, deployment.Values, deployment.Name, deployment.Host);
        db.Deployments.Add(deployment);
        await db.SaveChangesAsync(cancellationToken);
        metrics.Created(subscription.Tier);
        return DeploymentReads.ToDetails(deployment, template.Name, spec);
    }
}
