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
        // One round trip: the template version's spec and whether the name is taken (the usual answer: it is not).
        var wanted = command.TemplateVersion;
        var template = await db.Templates.AsNoTracking().WithSpecification(new TemplatesUsableInTeam(organization, command.TeamId, user.Id))
            .Where(t => t.Id == command.TemplateId)
            .Select(t => new
            {
                t.Name,
                Number = wanted ?? t.CurrentVersion,
                Spec = t.Versions.Where(v => v.Number == (wanted ?? t.CurrentVersion)).Select(v => v.Spec).FirstOrDefault(),
                NameTaken = db.Deployments.Any(d => d.TeamId == command.TeamId && d.Name == name.Value),
            })
            .SingleOrDefaultAsync(cancellationToken);
        if (template?.NameTaken ?? await db.Deployments.AnyAsync(d => d.TeamId == command.TeamId && d.Name == name.Value, cancellationToken))
            throw new RuleViolationException("deployment.name_taken", $"This team already has a deployment named '{name}'.");
        if (template is null) throw new NotFoundException("template", command.TemplateId.Value);
        if (template.Spec is null) throw new NotFoundException("template_version", wanted!.Value);
        var spec = specs.Get(command.TemplateId, template.Number, template.Spec);
        var resolved = DeploymentValueRules.ResolveOrThrow(spec, command.Values ?? new Dictionary<string, string?>());

        var handle = await handles.OfAsync(db, user.Id, cancellationToken);
        var secrets = resolved.Secret.Select(kv =>
        {
            var (ciphertext, keyId) = cipher.Encrypt(kv.Value, DeploymentReads.SecretContext(organization, command.TeamId, name.Value, kv.Key));
            return new SecretValue(kv.Key, ciphertext, keyId);
        }).ToList();

        var subscription = await db.LockSubscriptionAsync(organization, cancellationToken);   // last read: the lock is held until the save
        var deployment = subscription.LaunchDeployment(command.TeamId, organization, name, user.Id, handle, options.Domain,
            command.TemplateId, template.Number, resolved.Plain, secrets, clock.GetUtcNow());
        specs.EnsureRenderable(spec, deployment.Values, deployment.Name, deployment.Host);
        db.Deployments.Add(deployment);
        await db.SaveChangesAsync(cancellationToken);
        metrics.Created(subscription.Tier);
        return DeploymentReads.ToDetails(deployment, template.Name, spec);
    }
}
