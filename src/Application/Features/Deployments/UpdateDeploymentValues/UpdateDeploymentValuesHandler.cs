using CleanScheduler.Application.Common;
using CleanScheduler.Application.Features.Templates;
using CleanScheduler.Domain.Deployments;
using FluentValidation;
using MediatR;

namespace CleanScheduler.Application.Features.Deployments;

public sealed class UpdateDeploymentValuesHandler(IAppDbContext db, ISecretCipher cipher, TemplateSpecCache specs, TimeProvider clock)
    : IRequestHandler<UpdateDeploymentValuesCommand, DeploymentDetails>
{
    public async Task<DeploymentDetails> Handle(UpdateDeploymentValuesCommand command, CancellationToken cancellationToken)
    {
        var deployment = await db.Deployments.GetAsync(command.Id, cancellationToken);
        var version = command.TemplateVersion ?? deployment.TemplateVersion;
        var (templateName, spec) = await DeploymentReads.TemplateOfAsync(db, specs, deployment.TemplateId, version, cancellationToken);

        var given = command.Values ?? new Dictionary<string, string?>();
        var secretSettings = DeploymentSettings.Of(spec).Where(s => s.Secret).Select(s => s.Name).ToHashSet(StringComparer.Ordinal);
        var kept = deployment.Secrets.Where(s => secretSettings.Contains(s.Name) && !given.ContainsKey(s.Name)).ToList();

        var resolved = DeploymentValueRules.ResolveOrThrow(spec, given, kept.Select(s => s.Name).ToHashSet(StringComparer.Ordinal));
        specs.EnsureRenderable(spec, resolved.Plain, deployment.Name, deployment.Host);
        var secrets = kept.Concat(resolved.Secret.Select(kv =>
        {
            var (ciphertext, keyId) = cipher.Encrypt(kv.Value, DeploymentReads.SecretContext(deployment, kv.Key));
            return new SecretValue(kv.Key, ciphertext, keyId);
        })).ToList();
        deployment.Reconfigure(version, resolved.Plain, secrets, clock.GetUtcNow());
        await db.SaveChangesAsync(cancellationToken);
        return DeploymentReads.ToDetails(deployment, templateName, spec);
    }
}
