using CleanScheduler.Domain.Common;

namespace CleanScheduler.Application.Common;

public enum ConstraintKind
{
    Unique,
    Check,
    ForeignKey,
}

/// <summary>
/// A database constraint refused a write. Infrastructure translates the driver's error into this type so that
/// use cases and the HTTP mapping never see the driver; <see cref="Constraints"/> gives each constraint its error code
/// (a 409 with that code), and says which unique keys can be lost in a race that a fresh attempt resolves.
/// </summary>
public sealed class ConstraintViolationException(string constraint, ConstraintKind kind, Exception inner)
    : DomainException(Constraints.Describe(constraint).Code, Constraints.Describe(constraint).Message, inner)
{
    public string Constraint { get; } = constraint;
    public ConstraintKind Kind { get; } = kind;

    /// <summary>True when a concurrent request inserted the same row a moment earlier and a fresh attempt will do better.</summary>
    public bool IsRace => Kind == ConstraintKind.Unique && Constraints.IsRace(Constraint);
}

/// <summary>
/// The database aborted a write because a concurrent transaction touched the same rows (a serialization failure or a
/// deadlock). Nothing was written; the same request run again from fresh state normally succeeds.
/// </summary>
public sealed class WriteConflictException(Exception inner)
    : Exception("The database aborted the write because of a concurrent one (serialization failure or deadlock).", inner);

/// <summary>Names of the schema's constraints that a client can run into, with the error each one means.</summary>
public static class Constraints
{
    private static readonly Dictionary<string, (string Code, string Message)> Known = new(StringComparer.Ordinal)
    {
        ["ux_users_email"] = ("user.email_taken", "A user with that e-mail address already exists."),
        ["ux_users_handle"] = ("user.handle_taken", "That handle is already taken."),
        ["ux_organizations_slug"] = ("org.slug_taken", "That slug is already taken by another organization."),
        ["pk_organization_members"] = ("org.member_exists", "That user is already a member of this organization."),
        ["ck_organizations_owner_count"] = ("org.last_owner", "An organization must keep at least one owner."),
        ["ux_teams_organization_name"] = ("team.name_taken", "This organization already has a team with that name."),
        ["pk_team_members"] = ("team.member_exists", "That user is already a member of this team."),
        ["ux_client_domains_host"] = ("client.domain_exists", "That domain already belongs to a client."),
        ["fk_organizations_client"] = ("client.has_organizations", "Organizations still belong to this client; move or delete them first."),
        ["ux_plans_code"] = ("plan.code_taken", "A plan with that code already exists."),
        ["ux_plans_stripe_price_id"] = ("plan.price_taken", "Another plan has that Stripe price already."),
        ["ux_templates_system_name"] = ("template.name_taken", "A system template with that name already exists."),
        ["ux_templates_organization_name"] = ("template.name_taken", "This organization already has a template with that name."),
        ["ux_deployments_team_name"] = ("deployment.name_taken", "This team already has a deployment with that name."),
        ["ux_deployments_host"] = ("deployment.host_taken", "Another deployment already uses that address; choose another name."),
        ["fk_deployments_team"] = ("team.has_deployments", "The team still has deployments; delete them first."),
        ["fk_deployments_organization"] = ("org.has_deployments", "The organization still has deployments; delete them first."),
        ["ux_invitations_pending"] = ("invitation.pending_exists", "A pending invitation for that address exists already."),
        ["fk_deployments_template_version"] = ("template.in_use", "Deployments still use this template; delete them first."),
    };

    /// <summary>
    /// Unique keys of rows a command inserts as a consequence, not as the client's choice: the user registered on first
    /// mention (e-mail, derived handle), a membership added on the way (a team member becomes an organization member),
    /// the next template version, a deployment's secret values. Two requests can insert the same one at the same
    /// moment; run again, the loser reads the winner's row and succeeds or gives its precise answer. Every other unique
    /// key is a name the client chose (slug, team, template or deployment name, host, domain, plan code): a clash
    /// there is the answer, at once.
    /// </summary>
    private static readonly HashSet<string> Races = new(StringComparer.Ordinal)
    {
        "ux_users_email", "ux_users_handle", "pk_organization_members", "pk_team_members", "pk_template_versions", "pk_deployment_secret_values", "ux_secrets_scope_key",
        "ux_invitations_pending",
        "pk_stripe_events",
    };

    public static (string Code, string Message) Describe(string constraint) =>
        Known.TryGetValue(constraint, out var known)
            ? known
            : ("conflict", "The change conflicts with existing data.");

    public static (string Code, string Message) Describe(ConstraintViolationException exception) => Describe(exception.Constraint);

    public static bool IsRace(string constraint) => Races.Contains(constraint);
}

/// <summary>A part the request needs is off or unreachable (503): the Kubernetes cluster, for instance. <see cref="Code"/> is stable.</summary>
public sealed class ServiceUnavailableException(string code, string message) : Exception(message)
{
    public string Code { get; } = code;
}
