using CleanScheduler.Application.Common;
using CleanScheduler.Application.Common.Behaviors;
using CleanScheduler.Application.Features.Templates;
using CleanScheduler.Domain.Authorization;
using CleanScheduler.Domain.Common;
using CleanScheduler.Domain.Deployments;
using CleanScheduler.Domain.Templates;
using FluentValidation;
using FluentValidation.Results;
using MediatR;
using Microsoft.EntityFrameworkCore;

namespace CleanScheduler.Application.Features.Deployments;

internal static class DeploymentValueRules
{
    public const int MaxValues = 200;

    public static void RulesForValues<T>(this AbstractValidator<T> validator, Func<T, IReadOnlyDictionary<string, string?>?> values)
    {
        validator.RuleFor(c => values(c)).Must(v => v is null || v.Count <= MaxValues)
            .OverridePropertyName("values").WithMessage($"At most {MaxValues} values.");
        validator.RuleForEach(c => values(c) ?? new Dictionary<string, string?>())
            .Must(kv => TemplateSpecRules.IsEnvName(kv.Key))
            .OverridePropertyName("values").WithMessage("Setting names are letters, digits and '_', not starting with a digit.");
    }

    /// <summary>Throws a 400 naming <c>values.NAME</c> for every problem.</summary>
    public static ResolvedValues ResolveOrThrow(TemplateSpec spec, IReadOnlyDictionary<string, string?> values, IReadOnlySet<string>? secretsAlreadySet = null)
    {
        var resolved = DeploymentSettings.Resolve(spec, values, out var problems, secretsAlreadySet);
        if (problems.Count > 0) throw new ValidationException(problems.Select(p => new ValidationFailure(p.Path, p.Message)));
        return resolved;
    }
}

/// <summary>
/// Launches a deployment of a template version the team may use, with values for its settings, within the plan's
/// deployment limit. Secret values are encrypted before they are stored.
/// </summary>
public sealed record CreateDeploymentCommand(
    TeamId TeamId, string? Name, TemplateId TemplateId, int? TemplateVersion, IReadOnlyDictionary<string, string?>? Values)
    : ICommand<DeploymentDetails>, IAuthorizedRequest
{
    public Permission Permission => Permission.DeployCreate;
    public ResourceRef Resource => new ResourceRef.Team(TeamId);
}

public sealed class CreateDeploymentValidator : AbstractValidator<CreateDeploymentCommand>
{
    public CreateDeploymentValidator()
    {
        RuleFor(c => c.Name).Must(DeploymentName.IsValid).WithMessage($"The name must be {DeploymentName.Rule}.");
        RuleFor(c => c.TemplateId).NotEqual(default(TemplateId)).WithMessage("Name the template to deploy.");
        RuleFor(c => c.TemplateVersion).GreaterThanOrEqualTo(1).When(c => c.TemplateVersion is not null);
        this.RulesForValues(c => c.Values);
    }
}

public sealed class CreateDeploymentHandler(
    IAppDbContext db, ICurrentUser user, ResourceAuthorizer authorizer, ISecretCipher cipher, TemplateSpecCache specs,
    UserHandles handles, DeploymentOptions options, TimeProvider clock)
    : IRequestHandler<CreateDeploymentCommand, DeploymentDetails>
{
    public async Task<DeploymentDetails> Handle(CreateDeploymentCommand command, CancellationToken cancellationToken)
    {
        var name = DeploymentName.From(command.Name!);
        var organization = (await authorizer.MembershipAsync(new ResourceRef.Team(command.TeamId), cancellationToken)).Organization;
        if (await db.Deployments.AnyAsync(d => d.TeamId == command.TeamId && d.Name == name.Value, cancellationToken))
            throw new RuleViolationException("deployment.name_taken", $"This team already has a deployment named '{name}'.");

        var wanted = command.TemplateVersion;
        var template = await db.Templates.AsNoTracking().Where(t => t.Id == command.TemplateId)
            .Select(t => new
            {
                t.Name, t.Visibility, t.OrganizationId, t.TeamId, t.CreatedBy, t.CurrentVersion,
                Version = t.Versions.Where(v => v.Number == (wanted ?? t.CurrentVersion)).Select(v => new { v.Number, v.Spec }).FirstOrDefault(),
            })
            .SingleOrDefaultAsync(cancellationToken);
        if (template is null || !Template.IsUsable(template.Visibility, template.OrganizationId, template.TeamId, template.CreatedBy, organization, command.TeamId, user.Id))
            throw new NotFoundException("template", command.TemplateId.Value);
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
        return DeploymentReads.ToDetails(deployment, template.Name, spec);
    }
}

/// <summary>
/// Server-wide settings deployments need: DEPLOYMENT_DOMAIN and KUBERNETES_NAMESPACE (a pattern whose %s is the
/// team's id).
/// </summary>
public sealed record DeploymentOptions(string Domain, string NamespacePattern = DeploymentOptions.DefaultNamespacePattern)
{
    public const string DefaultNamespacePattern = "sandbox-%s";

    /// <summary>
    /// The namespace of every deployment of <paramref name="team"/>: one team per namespace, so a namespace never holds
    /// two organizations' deployments (its quota, limits and isolation are that organization's tier), and the names in
    /// it are unique because a deployment's name is unique in its team. The id, not the name: it never changes, is
    /// never reused after the team is deleted, and is a DNS-1123 label of fixed length (36).
    /// </summary>
    public string NamespaceFor(TeamId team) =>
        NamespacePattern.Replace("%s", team.Value.ToString("D"), StringComparison.Ordinal);

    /// <summary>The team whose namespace <paramref name="ns"/> is under the current pattern, if it is one.</summary>
    public TeamId? TeamOf(string? ns)
    {
        var at = NamespacePattern.IndexOf("%s", StringComparison.Ordinal);
        if (at < 0) return null;
        var (prefix, suffix) = (NamespacePattern[..at], NamespacePattern[(at + 2)..]);
        return ns is not null && ns.Length == prefix.Length + 36 + suffix.Length && ns.StartsWith(prefix, StringComparison.Ordinal)
            && ns.EndsWith(suffix, StringComparison.Ordinal) && Guid.TryParseExact(ns.Substring(prefix.Length, 36), "D", out var id)
            && NamespaceFor(new TeamId(id)) == ns
            ? new TeamId(id) : null;
    }

    /// <summary>Why <paramref name="pattern"/> cannot name namespaces (null when it can): %s once, and a DNS-1123 label of at most 63 characters once replaced.</summary>
    public static string? NamespacePatternProblem(string pattern)
    {
        if (pattern.Split("%s").Length != 2) return "must contain %s exactly once (replaced by the team's id)";
        var sample = pattern.Replace("%s", Guid.Empty.ToString("D"), StringComparison.Ordinal);
        if (sample.Length > 63) return $"is too long: with the 36-character team id in place of %s it must stay within 63 characters (at most {63 - 36} besides %s)";
        return System.Text.RegularExpressions.Regex.IsMatch(sample, "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
            ? null : "must give a DNS-1123 label: lowercase letters, digits and '-', starting and ending with a letter or digit";
    }
}

/// <summary>A team's deployments, optionally only those in one state (running, stopped) or phase (Pending, Running...).</summary>
public sealed record ListDeploymentsQuery(TeamId TeamId, string? State, string? Phase, int Page = 1, int PageSize = Paging.DefaultPageSize)
    : IRequest<Paged<DeploymentSummary>>, IAuthorizedRequest, IPagedQuery
{
    public Permission Permission => Permission.DeployRead;
    public ResourceRef Resource => new ResourceRef.Team(TeamId);
}

public sealed class ListDeploymentsValidator : AbstractValidator<ListDeploymentsQuery>
{
    public ListDeploymentsValidator()
    {
        this.RulesForPaging();
        RuleFor(q => q.TeamId).NotEqual(default(TeamId)).WithMessage("teamId is required.");
        RuleFor(q => q.State).Must(s => DeploymentCodes.TryParseState(s, out _)).When(q => q.State is not null)
            .WithMessage("Must be running or stopped.");
        RuleFor(q => q.Phase).Must(p => Enum.GetNames<DeploymentPhase>().Contains(p)).When(q => q.Phase is not null)
            .WithMessage($"Must be one of: {string.Join(", ", Enum.GetNames<DeploymentPhase>())}.");
    }
}

public sealed class ListDeploymentsHandler(IAppDbContext db) : IRequestHandler<ListDeploymentsQuery, Paged<DeploymentSummary>>
{
    public async Task<Paged<DeploymentSummary>> Handle(ListDeploymentsQuery query, CancellationToken cancellationToken)
    {
        var deployments = db.Deployments.AsNoTracking().Where(d => d.TeamId == query.TeamId);
        if (query.State is not null && DeploymentCodes.TryParseState(query.State, out var state))
            deployments = deployments.Where(d => d.State == state);
        if (query.Phase is not null)
        {
            var phase = DeploymentCodes.ParsePhase(query.Phase);
            deployments = deployments.Where(d => d.Phase == phase);
        }
        var page = await deployments.OrderBy(d => d.Name)
            .Select(d => new
            {
                d.Id, d.TeamId, d.Name, d.State, d.Phase, d.Host, d.TemplateId, d.TemplateVersion, d.CreatedBy, d.CreatedAt, d.UpdatedAt,
                TemplateName = db.Templates.Where(t => t.Id == d.TemplateId).Select(t => t.Name).First(),
            })
            .ToPageAsync(query, cancellationToken);
        return new Paged<DeploymentSummary>(page.Items.Select(d => new DeploymentSummary(
            d.Id.Value, d.TeamId.Value, d.Name, d.State.ToCode(), d.Phase.ToCode(), $"https://{d.Host}", d.TemplateId.Value, d.TemplateName,
            d.TemplateVersion, d.CreatedBy.Value, d.CreatedAt, d.UpdatedAt)).ToList(), page.Page, page.PageSize, page.Total);
    }
}

public sealed record GetDeploymentQuery(DeploymentId Id) : IRequest<DeploymentDetails>, IAuthorizedRequest
{
    public Permission Permission => Permission.DeployRead;
    public ResourceRef Resource => new ResourceRef.Deployment(Id);
}

public sealed class GetDeploymentHandler(IAppDbContext db, TemplateSpecCache specs) : IRequestHandler<GetDeploymentQuery, DeploymentDetails>
{
    public async Task<DeploymentDetails> Handle(GetDeploymentQuery query, CancellationToken cancellationToken) =>
        await DeploymentReads.DetailsAsync(db, specs, await db.Deployments.AsNoTracking().GetAsync(query.Id, cancellationToken), cancellationToken);
}

/// <summary>Scales a deployment to zero (<see cref="Running"/> false) or back up; everything else is kept.</summary>
public sealed record SetDeploymentRunningCommand(DeploymentId Id, bool Running) : ICommand<DeploymentDetails>, IAuthorizedRequest
{
    public Permission Permission => Permission.DeployManage;
    public ResourceRef Resource => new ResourceRef.Deployment(Id);
}

public sealed class SetDeploymentRunningHandler(IAppDbContext db, TemplateSpecCache specs, TimeProvider clock) : IRequestHandler<SetDeploymentRunningCommand, DeploymentDetails>
{
    public async Task<DeploymentDetails> Handle(SetDeploymentRunningCommand command, CancellationToken cancellationToken)
    {
        var deployment = await db.Deployments.GetAsync(command.Id, cancellationToken);
        if (command.Running) deployment.Start(clock.GetUtcNow());
        else deployment.Stop(clock.GetUtcNow());
        await db.SaveChangesAsync(cancellationToken);
        return await DeploymentReads.DetailsAsync(db, specs, deployment, cancellationToken);
    }
}

/// <summary>
/// Sets a deployment's values (and optionally moves it to another version of its template); it is rolled out again.
/// Plain values are replaced as given. A secret setting left out keeps its value; one given as null loses it.
/// </summary>
public sealed record UpdateDeploymentValuesCommand(DeploymentId Id, int? TemplateVersion, IReadOnlyDictionary<string, string?>? Values)
    : ICommand<DeploymentDetails>, IAuthorizedRequest
{
    public Permission Permission => Permission.DeployManage;
    public ResourceRef Resource => new ResourceRef.Deployment(Id);
}

public sealed class UpdateDeploymentValuesValidator : AbstractValidator<UpdateDeploymentValuesCommand>
{
    public UpdateDeploymentValuesValidator()
    {
        RuleFor(c => c.TemplateVersion).GreaterThanOrEqualTo(1).When(c => c.TemplateVersion is not null);
        this.RulesForValues(c => c.Values);
    }
}

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

/// <summary>Deletes a deployment and frees its slot in the plan.</summary>
public sealed record DeleteDeploymentCommand(DeploymentId Id) : ICommand<Unit>, IAuthorizedRequest
{
    public Permission Permission => Permission.DeployDelete;
    public ResourceRef Resource => new ResourceRef.Deployment(Id);
}

public sealed class DeleteDeploymentHandler(IAppDbContext db, TimeProvider clock) : IRequestHandler<DeleteDeploymentCommand, Unit>
{
    public async Task<Unit> Handle(DeleteDeploymentCommand command, CancellationToken cancellationToken)
    {
        var deployment = await db.Deployments.GetAsync(command.Id, cancellationToken);
        var subscription = await db.LockSubscriptionAsync(deployment.OrganizationId, cancellationToken);
        var now = clock.GetUtcNow();
        subscription.ReleaseDeployment(now);
        deployment.Delete(now);
        db.Deployments.Remove(deployment);
        await db.SaveChangesAsync(cancellationToken);
        return Unit.Value;
    }
}
