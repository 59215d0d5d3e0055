using System.Text.Json.Nodes;
using CleanScheduler.Application.Common;
using CleanScheduler.Domain.Authorization;
using CleanScheduler.Domain.Billing;
using CleanScheduler.Domain.Common;
using CleanScheduler.Domain.Deployments;
using CleanScheduler.Domain.Invitations;
using CleanScheduler.Domain.Organizations;
using CleanScheduler.Domain.Tasks;
using CleanScheduler.Domain.Teams;
using CleanScheduler.Domain.Templates;
using CleanScheduler.Domain.Tenancy;
using CleanScheduler.Domain.Users;

namespace CleanScheduler.Infrastructure.Persistence;

/// <summary>What each domain event means in the audit log: organization, action, resource and a few details (never secrets).</summary>
public static class AuditTrail
{
    private sealed record Line(OrganizationId? Organization, string Action, string ResourceType, Guid? ResourceId, JsonObject Details);

    public static AuditEntry? Describe(IDomainEvent domainEvent, AuditActor? actor, TimeSpan offset = default)
    {
        var line = Map(domainEvent);
        return line is null ? null : new AuditEntry(domainEvent.OccurredAt + offset, line.Organization?.Value, actor?.Id, actor?.Email, line.Action,
            line.ResourceType, line.ResourceId, line.Details.ToJsonString());
    }

    private static Line? Map(IDomainEvent e) => e switch
    {
        OrganizationFounded x => new(x.Organization, "organization.founded", "organization", x.Organization.Value, new() { ["slug"] = x.Slug }),
        OrganizationRenamed x => new(x.Organization, "organization.renamed", "organization", x.Organization.Value, new() { ["name"] = x.Name }),
        OrganizationDeleted x => new(x.Organization, "organization.deleted", "organization", x.Organization.Value, new() { ["slug"] = x.Slug }),
        TeamAdded x => new(x.Organization, "team.created", "team", x.Team.Value, new() { ["name"] = x.Name }),
        TeamRenamed x => new(x.Organization, "team.renamed", "team", x.Team.Value, new() { ["name"] = x.Name }),
        TeamDeleted x => new(x.Organization, "team.deleted", "team", x.Team.Value, new() { ["name"] = x.Name }),
        OrgMemberAdded x => new(x.Organization, "member.added", "user", x.User.Value, new() { ["role"] = x.Role.ToCode() }),
        OrgMemberRoleChanged x => new(x.Organization, "member.role_changed", "user", x.User.Value, new() { ["role"] = x.Role.ToCode() }),
        OrgMemberRemoved x => new(x.Organization, "member.removed", "user", x.User.Value, new()),
        TeamMemberAdded x => new(x.Organization, "team_member.added", "user", x.User.Value, new() { ["team"] = x.Team.Value.ToString(), ["role"] = x.Role.ToCode() }),
        TeamMemberRoleChanged x => new(x.Organization, "team_member.role_changed", "user", x.User.Value, new() { ["team"] = x.Team.Value.ToString(), ["role"] = x.Role.ToCode() }),
        TeamMemberRemoved x => new(x.Organization, "team_member.removed", "user", x.User.Value, new() { ["team"] = x.Team.Value.ToString() }),
        PlanChanged x => new(x.Organization, "subscription.plan_changed", "subscription", x.Organization.Value,
            new() { ["plan"] = x.Plan.Value.ToString(), ["from"] = x.From.ToCode(), ["to"] = x.To.ToCode() }),
        SubscriptionStatusChanged x => new(x.Organization, "subscription.status_changed", "subscription", x.Organization.Value, new() { ["status"] = x.Status.ToCode() }),
        BillingCustomerLinked x => new(x.Organization, "billing.customer_created", "subscription", x.Organization.Value, new()),
        PlanRevised x => new(null, "plan.revised", "plan", x.Plan.Value, new()),
        TemplateCreated x => new(x.Organization, "template.created", "template", x.Template.Value, new() { ["name"] = x.Name, ["visibility"] = x.Visibility.ToCode() }),
        TemplateRevised x => new(x.Organization, "template.revised", "template", x.Template.Value, new() { ["version"] = x.Version }),
        TemplateDeleted x => new(x.Organization, "template.deleted", "template", x.Template.Value, new()),
        DeploymentLaunched x => new(x.Organization, "deployment.launched", "deployment", x.Deployment.Value, new() { ["name"] = x.Name, ["team"] = x.Team.Value.ToString() }),
        DeploymentStopped x => new(x.Organization, "deployment.stopped", "deployment", x.Deployment.Value, new()),
        DeploymentStarted x => new(x.Organization, "deployment.started", "deployment", x.Deployment.Value, new()),
        DeploymentReconfigured x => new(x.Organization, "deployment.reconfigured", "deployment", x.Deployment.Value, new() { ["templateVersion"] = x.TemplateVersion }),
        DeploymentDeleted x => new(x.Organization, "deployment.deleted", "deployment", x.Deployment.Value, new() { ["name"] = x.Name }),
        InvitationCreated x => new(x.Organization, "invitation.created", "invitation", x.Invitation.Value,
            new() { ["email"] = x.Email, ["role"] = x.Role, ["team"] = x.Team?.Value.ToString() }),
        InvitationResent x => new(x.Organization, "invitation.resent", "invitation", x.Invitation.Value, new() { ["email"] = x.Email }),
        InvitationRevoked x => new(x.Organization, "invitation.revoked", "invitation", x.Invitation.Value, new() { ["email"] = x.Email }),
        InvitationDeclined x => new(x.Organization, "invitation.declined", "invitation", x.Invitation.Value, new() { ["email"] = x.Email }),
        InvitationAccepted x => new(x.Organization, "invitation.accepted", "invitation", x.Invitation.Value,
            new() { ["email"] = x.Email, ["user"] = x.User.Value.ToString() }),
        Domain.Secrets.SecretSet x => new(x.Organization, "secret.set", "secret", x.Deployment?.Value ?? x.Organization.Value, SecretDetails(x.Key, x.Deployment, x.Service)),
        Domain.Secrets.SecretRemoved x => new(x.Organization, "secret.removed", "secret", x.Deployment?.Value ?? x.Organization.Value, SecretDetails(x.Key, x.Deployment, x.Service)),
        UserRegistered x => new(null, "user.registered", "user", x.User.Value, new()),
        TaskStarted x => new(x.Organization, $"{x.Kind.ToCode()}.started", x.Kind.ToCode(), x.Task.Value, new() { ["team"] = x.Team.Value.ToString() }),
        TaskCancelled x => new(x.Organization, $"{x.Kind.ToCode()}.cancelled", x.Kind.ToCode(), x.Task.Value, new()),
        _ => null,
    };

    /// <summary>The key and where it is set; never its value.</summary>
    private static JsonObject SecretDetails(string key, DeploymentId? deployment, string? service) => new()
    {
        ["key"] = key,
        ["tier"] = service is not null ? "service" : deployment is not null ? "deployment" : "organization",
        ["deployment"] = deployment?.Value.ToString(),
        ["service"] = service,
    };
}
