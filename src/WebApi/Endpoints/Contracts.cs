using System.ComponentModel;
using System.ComponentModel.DataAnnotations;

namespace CleanScheduler.WebApi.Endpoints;

// Request bodies: the public contract. Fields are nullable so that a missing field reaches validation and is
// reported by name (400), instead of failing JSON binding. Attributes document the rules in the OpenAPI schema;
// the validators enforce them.

public sealed record CreateOrganizationRequest(
    [property: Required, MaxLength(100), Description("Display name of the organization.")] string? Name,
    [property: MinLength(2), MaxLength(63), RegularExpression("^[a-z0-9]([a-z0-9-]*[a-z0-9])?$"),
               Description("URL-safe identifier, unique on the platform; derived from the name when omitted.")] string? Slug = null);

public sealed record RenameRequest([property: Required, MaxLength(100)] string? Name);

public sealed record SetPlanRequest([property: Required, Description("free, business or enterprise.")] string? Plan);

public sealed record CreateTeamRequest([property: Required, MaxLength(100)] string? Name);

public sealed record AddMemberRequest(
    [property: Required, MaxLength(254), Description("E-mail of a person who has an account (any letter case); someone who never signed in is refused with member.no_account: invite them instead.")] string? Email,
    [property: Required, Description("org_owner, org_admin or org_member for organizations; team_admin, developer or viewer for teams.")] string? Role);

public sealed record ChangeRoleRequest([property: Required] string? Role);

public sealed record CreatePlanRequest(
    [property: Required, Description("URL-safe code, unique; organizations can be moved to the plan by it.")] string? Code,
    [property: Required, MaxLength(100)] string? Name,
    [property: Required, Description("free, business or enterprise.")] string? Tier,
    [property: Description("Overrides of the tier's limits; a missing field keeps the tier's default.")] Application.Features.Plans.PlanLimitsInput? Limits = null);

public sealed record RevisePlanRequest(
    [property: Required, MaxLength(100)] string? Name,
    [property: Description("The plan's limits as overrides of its tier's defaults.")] Application.Features.Plans.PlanLimitsInput? Limits = null,
    [property: MaxLength(255), Description("The Stripe price (price_...) organizations subscribe to for this plan; omit for none (Free).")] string? StripePriceId = null);

public sealed record CreateTemplateRequest(
    [property: Description("The team the template is for; omit for system templates.")] Guid? TeamId,
    [property: Required, MaxLength(100)] string? Name,
    [property: MaxLength(2000)] string? Description,
    [property: Required, Description("private, team, org or system.")] string? Visibility,
    [property: Required, Description("The multi-service spec, as YAML.")] string? Spec);

public sealed record UpdateTemplateRequest(
    [property: Required, Description("The new spec, as YAML; it becomes a new version.")] string? Spec,
    [property: MaxLength(100)] string? Name = null,
    [property: MaxLength(2000)] string? Description = null);

public sealed record CreateDeploymentRequest(
    [property: Required] Guid? TeamId,
    [property: Required, MaxLength(40), Description("DNS label: lowercase letters, digits and hyphens, starting with a letter.")] string? Name,
    [property: Required] Guid? TemplateId,
    [property: Description("The template version; the current one when omitted.")] int? TemplateVersion = null,
    [property: Description("Values of the template's settings, by name.")] Dictionary<string, string?>? Values = null);

public sealed record UpdateDeploymentValuesRequest(
    [property: Description("Values of the settings; a secret left out keeps its value, one set to null loses it.")] Dictionary<string, string?>? Values,
    [property: Description("Move to this version of the template.")] int? TemplateVersion = null);

public sealed record ClientRequest(
    [property: Required, MaxLength(100)] string? Name,
    [property: Description("Host names the platform is served on for this client, e.g. cloud.partner.example.")] IReadOnlyList<string>? Domains,
    [property: Required] Application.Features.Clients.BrandingDto? Branding);
