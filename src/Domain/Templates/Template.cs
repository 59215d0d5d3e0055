using CleanScheduler.Domain.Common;

namespace CleanScheduler.Domain.Templates;

public enum TemplateVisibility
{
    Private = 0,
    Team = 1,
    Org = 2,
    System = 3,
}

public static class TemplateVisibilityCodes
{
    public static IReadOnlyList<string> All { get; } = ["private", "team", "org", "system"];

    public static string ToCode(this TemplateVisibility visibility) => visibility switch
    {
        TemplateVisibility.Private => "private",
        TemplateVisibility.Team => "team",
        TemplateVisibility.Org => "org",
        TemplateVisibility.System => "system",
        _ => throw new ArgumentOutOfRangeException(nameof(visibility)),
    };

    public static bool TryParse(string? code, out TemplateVisibility visibility)
    {
        foreach (var candidate in Enum.GetValues<TemplateVisibility>())
            if (candidate.ToCode() == code) { visibility = candidate; return true; }
        visibility = default;
        return false;
    }
}

/// <summary>
/// A reusable bundle of services. Who sees it depends on <see cref="Visibility"/>: <c>system</c> everyone,
/// <c>org</c> the members of its organization, <c>team</c> its team, <c>private</c> only its creator (within the
/// organization); Application's template specifications state these rules as queries. Editing makes a new version;
/// deployments keep the version they were made from.
/// </summary>
public sealed class Template : AggregateRoot<TemplateId>
{
    private readonly List<TemplateVersion> _versions = [];

    private Template() { }

    public string Name { get; private set; } = null!;
    public string Description { get; private set; } = null!;
    public TemplateVisibility Visibility { get; private set; }
    public OrganizationId? OrganizationId { get; private set; }
    public TeamId? TeamId { get; private set; }
    public UserId? CreatedBy { get; private set; }
    public int CurrentVersion { get; private set; }
    public DateTimeOffset CreatedAt { get; private set; }
    public DateTimeOffset UpdatedAt { get; private set; }
    public IReadOnlyCollection<TemplateVersion> Versions => _versions;

    public const int MaxDescriptionLength = 2000;

    /// <summary>A template every organization can use; made by platform admins (or seeded at start-up).</summary>
    public static Template PublishSystem(string name, string description, string specYaml, UserId? author, DateTimeOffset now) =>
        Create(name, description, TemplateVisibility.System, null, null, author, specYaml, now);

    /// <summary>
    /// A template of an organization: <c>team</c> templates belong to <paramref name="team"/>; <c>org</c> and
    /// <c>private</c> ones to the organization (private ones are seen by their creator only).
    /// </summary>
    public static Template CreateFor(
        OrganizationId organization, TeamId team, TemplateVisibility visibility, string name, string description,
        string specYaml, UserId author, DateTimeOffset now)
    {
        if (visibility == TemplateVisibility.System)
            throw new InvalidOperationException("System templates belong to no organization.");
        return Create(name, description, visibility, organization, visibility == TemplateVisibility.Team ? team : null, author, specYaml, now);
    }

    private static Template Create(
        string name, string description, TemplateVisibility visibility, OrganizationId? organization, TeamId? team,
        UserId? author, string specYaml, DateTimeOffset now)
    {
        var template = new Template
        {
            Id = Common.TemplateId.New(),
            Name = DisplayName.From(name, "template name"),
            Description = CleanDescription(description),
            Visibility = visibility,
            OrganizationId = organization,
            TeamId = team,
            CreatedBy = author,
            CreatedAt = now,
            UpdatedAt = now,
        };
        template.AddVersion(specYaml, author, now);
        template.Raise(new TemplateCreated(organization, template.Id, template.Name, visibility, now));
        return template;
    }

    /// <summary>Stores a new version of the spec (and, when given, a new name or description).</summary>
    public TemplateVersion Revise(string specYaml, string? name, string? description, UserId? author, DateTimeOffset now)
    {
        if (name is not null) Name = DisplayName.From(name, "template name");
        if (description is not null) Description = CleanDescription(description);
        var version = AddVersion(specYaml, author, now);
        Raise(new TemplateRevised(OrganizationId, Id, version.Number, now));
        return version;
    }

    /// <summary>Records that the template is being deleted (the handler removes it).</summary>
    public void MarkDeleted(DateTimeOffset now) => Raise(new TemplateDeleted(OrganizationId, Id, now));

    public TemplateVersion? VersionNumbered(int number) => _versions.Find(v => v.Number == number);

    public TemplateVersion Current => _versions.Find(v => v.Number == CurrentVersion)!;

    private TemplateVersion AddVersion(string specYaml, UserId? author, DateTimeOffset now)
    {
        var version = new TemplateVersion(CurrentVersion + 1, specYaml, author, now);
        _versions.Add(version);
        CurrentVersion = version.Number;
        UpdatedAt = now;
        return version;
    }

    private static string CleanDescription(string description)
    {
        var trimmed = description.Trim();
        return trimmed.Length <= MaxDescriptionLength ? trimmed
            : throw new ArgumentException($"A description has at most {MaxDescriptionLength} characters.", nameof(description));
    }
}

/// <summary>One immutable version of a template's spec, kept as the YAML its author wrote.</summary>
public sealed class TemplateVersion
{
    private TemplateVersion() { }

    internal TemplateVersion(int number, string spec, UserId? createdBy, DateTimeOffset createdAt) =>
        (Number, Spec, CreatedBy, CreatedAt) = (number, spec, createdBy, createdAt);

    public int Number { get; private set; }
    public string Spec { get; private set; } = null!;
    public UserId? CreatedBy { get; private set; }
    public DateTimeOffset CreatedAt { get; private set; }
}

public sealed record TemplateCreated(OrganizationId? Organization, TemplateId Template, string Name, TemplateVisibility Visibility, DateTimeOffset OccurredAt) : IDomainEvent;
public sealed record TemplateRevised(OrganizationId? Organization, TemplateId Template, int Version, DateTimeOffset OccurredAt) : IDomainEvent;
public sealed record TemplateDeleted(OrganizationId? Organization, TemplateId Template, DateTimeOffset OccurredAt) : IDomainEvent;
