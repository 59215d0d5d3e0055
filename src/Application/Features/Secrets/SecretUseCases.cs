using System.Text;
using CleanScheduler.Application.Common;
using CleanScheduler.Application.Common.Behaviors;
using CleanScheduler.Application.Features.Templates;
using CleanScheduler.Domain.Authorization;
using CleanScheduler.Domain.Common;
using CleanScheduler.Domain.Deployments;
using CleanScheduler.Domain.Secrets;
using FluentValidation;
using MediatR;
using Microsoft.EntityFrameworkCore;

namespace CleanScheduler.Application.Features.Secrets;

/// <summary>
/// The keys set at one tier: the organization's (no deployment), or a deployment's and its services' (optionally of
/// one service). Members of the organization list its keys; a deployment's need <c>secrets:list</c> on its team.
/// </summary>
public sealed record ListSecretsQuery(OrganizationId OrganizationId, DeploymentId? DeploymentId, string? Service)
    : IRequest<IReadOnlyList<SecretKeyDto>>, IAuthorizedRequest
{
    public Permission Permission => DeploymentId is null ? Permission.OrgRead : Permission.SecretsList;
    public ResourceRef Resource => DeploymentId is { } d ? new ResourceRef.Deployment(d) : new ResourceRef.Organization(OrganizationId);
}

/// <summary>
/// Creates or replaces one key: organization secrets need <c>org:manage_secrets</c> (owners, admins), deployment and
/// service secrets <c>secrets:write</c> on the deployment's team (developers, team admins). The value goes to the
/// secrets backend; the database keeps that the key exists. Every deployment the key reaches is published again.
/// </summary>
public sealed record SetSecretCommand(OrganizationId OrganizationId, DeploymentId? DeploymentId, string? Service, string? Key, string? Value)
    : ICommand<SecretKeyDto>, IAuthorizedRequest
{
    public Permission Permission => DeploymentId is null ? Permission.OrgManageSecrets : Permission.SecretsWrite;
    public ResourceRef Resource => DeploymentId is { } d ? new ResourceRef.Deployment(d) : new ResourceRef.Organization(OrganizationId);
}

/// <summary>Removes one key (404 <c>secret.not_found</c> when it is not set there); permissions as <see cref="SetSecretCommand"/>.</summary>
public sealed record DeleteSecretCommand(OrganizationId OrganizationId, DeploymentId? DeploymentId, string? Service, string? Key)
    : ICommand<Unit>, IAuthorizedRequest
{
    public Permission Permission => DeploymentId is null ? Permission.OrgManageSecrets : Permission.SecretsWrite;
    public ResourceRef Resource => DeploymentId is { } d ? new ResourceRef.Deployment(d) : new ResourceRef.Organization(OrganizationId);
}

/// <summary>The effective set of every service of a deployment, with the tier each key comes from.</summary>
public sealed record GetEffectiveSecretsQuery(DeploymentId Id) : IRequest<IReadOnlyList<EffectiveSecretDto>>, IAuthorizedRequest
{
    public Permission Permission => Permission.SecretsList;
    public ResourceRef Resource => new ResourceRef.Deployment(Id);
}

public sealed class SetSecretValidator : AbstractValidator<SetSecretCommand>
{
    public SetSecretValidator()
    {
        RuleFor(c => c.OrganizationId.Value).NotEqual(Guid.Empty).OverridePropertyName("organizationId").WithMessage("An organizationId is required.");
        RuleFor(c => c.Key).Must(SecretEntry.IsValidKey).WithMessage($"Must be {SecretEntry.KeyRule}.");
        RuleFor(c => c.Value).NotNull().WithMessage("A value is required.")
            .Must(v => v is null || Encoding.UTF8.GetByteCount(v) <= SecretEntry.MaxValueBytes).WithMessage($"Must be at most {SecretEntry.MaxValueBytes / 1024} KiB.");
        RuleFor(c => c.Service).Must(SecretRules.IsServiceName).WithMessage("Must be the name of a service of the deployment's template.");
        RuleFor(c => c.Service).Null().When(c => c.DeploymentId is null).WithMessage("A service secret needs a deploymentId.");
    }
}

public sealed class DeleteSecretValidator : AbstractValidator<DeleteSecretCommand>
{
    public DeleteSecretValidator()
    {
        RuleFor(c => c.OrganizationId.Value).NotEqual(Guid.Empty).OverridePropertyName("organizationId").WithMessage("An organizationId is required.");
        RuleFor(c => c.Key).Must(SecretEntry.IsValidKey).WithMessage($"Must be {SecretEntry.KeyRule}.");
        RuleFor(c => c.Service).Must(SecretRules.IsServiceName).WithMessage("Must be the name of a service of the deployment's template.");
        RuleFor(c => c.Service).Null().When(c => c.DeploymentId is null).WithMessage("A service secret needs a deploymentId.");
    }
}

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

internal static class SecretChanges
{
    /// <summary>Every deployment the key reaches gets a new revision (and with it an outbox row): all of the organization's for an organization secret.</summary>
    public static async Task<IReadOnlyList<Deployment>> PublishAsync(IAppDbContext db, SecretEntry entry, Deployment? deployment, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var reached = deployment is not null ? [deployment]
            : await db.Deployments.Where(d => d.OrganizationId == entry.OrganizationId).ToListAsync(cancellationToken);
        foreach (var d in reached) d.SecretsChanged(now);
        return reached;
    }
}

public sealed class GetEffectiveSecretsHandler(IAppDbContext db, TemplateSpecCache specs) : IRequestHandler<GetEffectiveSecretsQuery, IReadOnlyList<EffectiveSecretDto>>
{
    public async Task<IReadOnlyList<EffectiveSecretDto>> Handle(GetEffectiveSecretsQuery query, CancellationToken cancellationToken)
    {
        var deployment = await db.Deployments.AsNoTracking().GetAsync(query.Id, cancellationToken);
        var effective = await DeploymentSecrets.EffectiveAsync(db, specs, deployment, cancellationToken);
        return effective.Select(e => new EffectiveSecretDto(e.Service, e.Key, e.Tier.ToCode())).ToList();
    }
}

public sealed class ListSecretsValidator : AbstractValidator<ListSecretsQuery>
{
    public ListSecretsValidator()
    {
        RuleFor(c => c.OrganizationId.Value).NotEqual(Guid.Empty).OverridePropertyName("organizationId").WithMessage("An organizationId is required.");
        RuleFor(c => c.Service).Must(SecretRules.IsServiceName).WithMessage("Must be a service name.");
        RuleFor(c => c.Service).Null().When(c => c.DeploymentId is null).WithMessage("A service needs a deploymentId.");
    }
}
