using System.Text;
using CleanScheduler.Application.Common;
using CleanScheduler.Domain.Authorization;
using CleanScheduler.Domain.Billing;
using CleanScheduler.Domain.Clients;
using CleanScheduler.Domain.Common;
using CleanScheduler.Domain.Deployments;
using CleanScheduler.Domain.Invitations;
using CleanScheduler.Domain.Templates;
using CleanScheduler.Domain.Organizations;
using CleanScheduler.Domain.Teams;
using CleanScheduler.Domain.Tenancy;
using CleanScheduler.Domain.Users;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;
using Npgsql;

namespace CleanScheduler.Infrastructure.Persistence;

/// <summary>
/// EF Core mapping of the aggregates onto the schema in <c>Migrations/*.sql</c> (snake_case names, typed IDs as
/// uuid, roles and tiers as their API codes). The schema is owned by the SQL migrations, not by EF.
/// </summary>
public sealed class AppDbContext(DbContextOptions<AppDbContext> options) : DbContext(options), IAppDbContext
{
    public DbSet<User> Users => Set<User>();
    public DbSet<Organization> Organizations => Set<Organization>();
    public DbSet<Team> Teams => Set<Team>();
    public DbSet<Client> Clients => Set<Client>();
    public DbSet<BillingPlan> Plans => Set<BillingPlan>();
    public DbSet<Subscription> Subscriptions => Set<Subscription>();
    public DbSet<Template> Templates => Set<Template>();
    public DbSet<Deployment> Deployments => Set<Deployment>();
    public DbSet<AuditEntry> AuditEntries => Set<AuditEntry>();
    public DbSet<Invitation> Invitations => Set<Invitation>();
    public DbSet<Domain.Tasks.TaskRun> Tasks => Set<Domain.Tasks.TaskRun>();
    public DbSet<OutboxMailRow> MailOutbox => Set<OutboxMailRow>();
    public DbSet<Application.Features.Billing.BillingEventRecord> BillingEvents => Set<Application.Features.Billing.BillingEventRecord>();
    public DbSet<Domain.Secrets.SecretEntry> Secrets => Set<Domain.Secrets.SecretEntry>();

    /// <summary>Who acts in the current scope, for the audit log. Set when the scope resolves <see cref="IAppDbContext"/>.</summary>
    public Func<AuditActor?>? Actor { get; set; }

    /// <summary>Writes cluster outbox rows with deployment changes (KUBERNETES_ENABLED=true); null without a cluster.</summary>
    public ClusterOutboxWriter? Outbox { get; set; }

    public void DiscardChanges()
    {
        ChangeTracker.Clear();
        if (Database.CurrentTransaction is { } locked)
        {
            locked.Rollback();
            locked.Dispose();
        }
    }

    /// <summary>Ends the transaction <see cref="LockSubscriptionAsync"/> opened, if any (commit releases its locks).</summary>
    private async Task EndLockAsync(bool commit)
    {
        if (Database.CurrentTransaction is not { } locked) return;
        if (commit) await locked.CommitAsync();
        else await locked.RollbackAsync();
        await locked.DisposeAsync();
    }

    public async Task<Subscription> LockSubscriptionAsync(OrganizationId organization, CancellationToken cancellationToken)
    {
        if (Database.CurrentTransaction is null) await Database.BeginTransactionAsync(cancellationToken);
        // A failed save rolls the whole transaction back (EndLockAsync), so EF's savepoint around the save would only
        // cost two more round trips.
        Database.AutoSavepointsEnabled = false;
        var rows = await Subscriptions
            .FromSql($"SELECT *, xmin FROM subscriptions WHERE organization_id = {organization.Value} FOR UPDATE")
            .ToListAsync(cancellationToken);
        return rows.SingleOrDefault() ?? throw new InvalidOperationException($"Organization {organization} has no subscription.");
    }

    public override async Task<int> SaveChangesAsync(CancellationToken cancellationToken = default)
    {
        var raised = ChangeTracker.Entries<IHasDomainEvents>().Select(e => e.Entity).Where(e => e.DomainEvents.Count > 0).ToList();
        var actor = Actor?.Invoke();
        var audit = raised.SelectMany(e => e.OrderedDomainEvents).OrderBy(e => e.Order)
            .Select((e, order) => AuditTrail.Describe(e.Event, actor, TimeSpan.FromMicroseconds(order)))   // 1 µs apart (timestamptz precision), in raise order
            .OfType<AuditEntry>().ToList();
        AuditEntries.AddRange(audit);   // the change and its record commit together
        var outbox = Outbox?.RowsFor(raised).ToList() ?? [];
        Set<ClusterOutboxRow>().AddRange(outbox);   // ...and so does what the cluster must be told
        try
        {
            var written = await base.SaveChangesAsync(cancellationToken);
            await EndLockAsync(commit: true);
            foreach (var entity in raised) entity.ClearDomainEvents();
            if (outbox.Count > 0) Outbox!.Committed();
            return written;
        }
        catch (DbUpdateException e) when (e is not DbUpdateConcurrencyException && e.InnerException is PostgresException pg && Translate(pg, e) is { } translated)
        {
            Forget(audit, outbox);   // a retry records them anew
            await EndLockAsync(commit: false);
            throw translated;
        }
        catch
        {
            Forget(audit, outbox);
            await EndLockAsync(commit: false);
            throw;
        }
    }

    private void Forget(IEnumerable<AuditEntry> audit, IEnumerable<ClusterOutboxRow> outbox)
    {
        foreach (var entry in audit) Entry(entry).State = EntityState.Detached;
        foreach (var row in outbox) Entry(row).State = EntityState.Detached;
    }

    /// <summary>The driver's refusal in the application's terms: a constraint (its 409), or a lost race the command retry runs again.</summary>
    private static Exception? Translate(PostgresException pg, Exception outer) => pg.SqlState switch
    {
        PostgresErrorCodes.UniqueViolation => new ConstraintViolationException(pg.ConstraintName ?? "", ConstraintKind.Unique, outer),
        PostgresErrorCodes.CheckViolation => new ConstraintViolationException(pg.ConstraintName ?? "", ConstraintKind.Check, outer),
        PostgresErrorCodes.ForeignKeyViolation => new ConstraintViolationException(pg.ConstraintName ?? "", ConstraintKind.ForeignKey, outer),
        _ when DatabaseErrors.IsWriteConflict(pg) => new WriteConflictException(outer),
        _ => null,
    };

    protected override void ConfigureConventions(ModelConfigurationBuilder configuration)
    {
        configuration.Properties<UserId>().HaveConversion<UserIdConverter>();
        configuration.Properties<OrganizationId>().HaveConversion<OrganizationIdConverter>();
        configuration.Properties<TeamId>().HaveConversion<TeamIdConverter>();
        configuration.Properties<ClientId>().HaveConversion<ClientIdConverter>();
        configuration.Properties<OrgRole>().HaveConversion<OrgRoleConverter>();
        configuration.Properties<TeamRole>().HaveConversion<TeamRoleConverter>();
        configuration.Properties<Tier>().HaveConversion<TierConverter>();
        configuration.Properties<PlanId>().HaveConversion<PlanIdConverter>();
        configuration.Properties<SubscriptionId>().HaveConversion<SubscriptionIdConverter>();
        configuration.Properties<SubscriptionStatus>().HaveConversion<SubscriptionStatusConverter>();
        configuration.Properties<TierLimits>().HaveConversion<TierLimitsJsonConverter>().HaveColumnType("jsonb");
        configuration.Properties<TemplateId>().HaveConversion<TemplateIdConverter>();
        configuration.Properties<DeploymentId>().HaveConversion<DeploymentIdConverter>();
        configuration.Properties<TemplateVisibility>().HaveConversion<VisibilityConverter>();
        configuration.Properties<DesiredState>().HaveConversion<DesiredStateConverter>();
        configuration.Properties<DeploymentPhase>().HaveConversion<PhaseConverter>();
    }

    protected override void OnModelCreating(ModelBuilder model)
    {
        model.Entity<User>(user =>
        {
            user.ToTable("users");
            user.HasKey(u => u.Id);
            user.Ignore(u => u.Version);
            user.HasIndex(u => u.Email).IsUnique();
        });

        model.Entity<Client>(client =>
        {
            client.ToTable("clients");
            client.HasKey(c => c.Id);
            client.Ignore(c => c.Version);
            client.OwnsOne(c => c.Branding, branding =>
            {
                branding.Property(b => b.DisplayName).HasColumnName("branding_display_name");
                branding.Property(b => b.LogoUrl).HasColumnName("branding_logo_url");
                branding.Property(b => b.PrimaryColor).HasColumnName("branding_primary_color");
            });
            client.Navigation(c => c.Branding).IsRequired();
            client.OwnsMany(c => c.Domains, domain =>
            {
                domain.ToTable("client_domains");   // one host, one client: a unique constraint on host
                domain.WithOwner().HasForeignKey("ClientId");
                domain.HasKey("ClientId", nameof(ClientDomain.Host));
            });
            client.Navigation(c => c.Domains).HasField("_domains").UsePropertyAccessMode(PropertyAccessMode.Field);
        });

        model.Entity<Organization>(org =>
        {
            org.ToTable("organizations");
            org.HasKey(o => o.Id);
            org.Property(o => o.Version).IsRowVersion();
            org.HasOne<Client>().WithMany().HasForeignKey(o => o.ClientId).OnDelete(DeleteBehavior.Restrict);
            org.OwnsMany(o => o.Members, member => MapMembers(member, "organization_members", "OrganizationId"));
            org.Navigation(o => o.Members).HasField("_members").UsePropertyAccessMode(PropertyAccessMode.Field);
        });

        model.Entity<Team>(team =>
        {
            team.ToTable("teams");
            team.HasKey(t => t.Id);
            team.Property(t => t.Version).IsRowVersion();
            team.HasOne<Organization>().WithMany().HasForeignKey(t => t.OrganizationId).OnDelete(DeleteBehavior.Cascade);
            team.OwnsMany(t => t.Members, member => MapMembers(member, "team_members", "TeamId"));
            team.Navigation(t => t.Members).HasField("_members").UsePropertyAccessMode(PropertyAccessMode.Field);
        });

        model.Entity<BillingPlan>(plan =>
        {
            plan.ToTable("plans");
            plan.HasKey(p => p.Id);
            plan.Ignore(p => p.Version);
            plan.HasIndex(p => p.Code).IsUnique();
        });

        model.Entity<Subscription>(subscription =>
        {
            subscription.ToTable("subscriptions");
            subscription.HasKey(s => s.Id);
            subscription.Property(s => s.Version).IsRowVersion();
            subscription.HasIndex(s => s.OrganizationId).IsUnique();
            subscription.HasOne<Organization>().WithOne().HasForeignKey<Subscription>(s => s.OrganizationId).OnDelete(DeleteBehavior.Cascade);
            subscription.HasOne<BillingPlan>().WithMany().HasForeignKey(s => s.PlanId).OnDelete(DeleteBehavior.Restrict);
        });

        model.Entity<Template>(template =>
        {
            template.ToTable("templates");
            template.HasKey(t => t.Id);
            template.Ignore(t => t.Version);
            template.Ignore(t => t.Current);
            template.OwnsMany(t => t.Versions, version =>
            {
                version.ToTable("template_versions");
                version.WithOwner().HasForeignKey("TemplateId");
                version.HasKey("TemplateId", nameof(TemplateVersion.Number));
                version.Property(v => v.Number).ValueGeneratedNever();
            });
            template.Navigation(t => t.Versions).HasField("_versions").UsePropertyAccessMode(PropertyAccessMode.Field);
        });

        model.Entity<Deployment>(deployment =>
        {
            deployment.ToTable("deployments");
            deployment.HasKey(d => d.Id);
            deployment.Property(d => d.Version).IsRowVersion();
            deployment.Ignore(d => d.Url);
            deployment.Property(d => d.Values).HasConversion(new StringMapConverter(), StringMapConverter.Comparer).HasColumnType("jsonb");
            deployment.Property(d => d.Observed)
                .HasConversion(new ObservationConverter(), ObservationConverter.Comparer).HasColumnType("jsonb");
            deployment.OwnsMany(d => d.Secrets, secret =>
            {
                secret.ToTable("deployment_secret_values");
                secret.WithOwner().HasForeignKey("DeploymentId");
                secret.HasKey("DeploymentId", nameof(SecretValue.Name));
            });
            deployment.Navigation(d => d.Secrets).HasField("_secrets").UsePropertyAccessMode(PropertyAccessMode.Field);
        });

        model.Entity<AuditEntry>(entry =>
        {
            entry.ToTable("audit_entries");
            entry.HasKey(e => e.Id);
            entry.Property(e => e.Details).HasColumnType("jsonb");
            entry.Property(e => e.Seq).UseIdentityAlwaysColumn();
        });

        model.Entity<ClusterOutboxRow>(row =>
        {
            row.ToTable("cluster_outbox");
            row.HasKey(r => r.Seq);
            row.Property(r => r.Seq).UseIdentityAlwaysColumn();
        });

        model.ApplyConfiguration(new TaskRunConfiguration());
        model.ApplyConfiguration<Invitation>(new InvitationConfiguration()).ApplyConfiguration<OutboxMailRow>(new InvitationConfiguration());
        model.ApplyConfiguration(new Billing.BillingEventConfiguration());
        model.ApplyConfiguration(new Configurations.SecretEntryConfiguration());
        UseSnakeCaseColumns(model);
    }

    /// <summary>
    /// A membership table: keyed by owner and user, the user row known to EF so that a new user is inserted before
    /// the membership that points at it.
    /// </summary>
    private static void MapMembers<TOwner, TMember>(OwnedNavigationBuilder<TOwner, TMember> member, string table, string ownerKey)
        where TOwner : class where TMember : class
    {
        member.ToTable(table);
        member.WithOwner().HasForeignKey(ownerKey);
        member.HasKey(ownerKey, "UserId");
        member.HasOne<User>().WithMany().HasForeignKey("UserId").OnDelete(DeleteBehavior.Cascade);
    }

    /// <summary>Column names follow the SQL schema: snake_case of the property name (the row version stays <c>xmin</c>).</summary>
    private static void UseSnakeCaseColumns(ModelBuilder model)
    {
        foreach (var entity in model.Model.GetEntityTypes())
        foreach (var property in entity.GetProperties())
        {
            if (property.Name == "Version" || property.GetColumnName() is "xmin") continue;
            if (entity.IsOwned() && entity.GetTableName() == entity.FindOwnership()!.PrincipalEntityType.GetTableName())
            {
                // Table splitting (e.g. clients.branding_*): the shared key is the owner's own id column.
                if (property.IsPrimaryKey()) property.SetColumnName("id");
                continue;
            }
            property.SetColumnName(ToSnakeCase(property.Name));
        }
    }

    public static string ToSnakeCase(string name)
    {
        var builder = new StringBuilder(name.Length + 8);
        for (var i = 0; i < name.Length; i++)
        {
            if (char.IsUpper(name[i]) && i > 0 && !char.IsUpper(name[i - 1])) builder.Append('_');
            builder.Append(char.ToLowerInvariant(name[i]));
        }
        return builder.ToString();
    }

    private sealed class UserIdConverter() : ValueConverter<UserId, Guid>(id => id.Value, v => new UserId(v));
    private sealed class OrganizationIdConverter() : ValueConverter<OrganizationId, Guid>(id => id.Value, v => new OrganizationId(v));
    private sealed class TeamIdConverter() : ValueConverter<TeamId, Guid>(id => id.Value, v => new TeamId(v));
    private sealed class ClientIdConverter() : ValueConverter<ClientId, Guid>(id => id.Value, v => new ClientId(v));
    private sealed class OrgRoleConverter() : ValueConverter<OrgRole, string>(r => r.ToCode(), v => RoleCodes.ParseOrgRole(v));
    private sealed class TeamRoleConverter() : ValueConverter<TeamRole, string>(r => r.ToCode(), v => RoleCodes.ParseTeamRole(v));
    private sealed class TierConverter() : ValueConverter<Tier, string>(t => t.ToCode(), v => ParseTier(v));

    private sealed class TemplateIdConverter() : ValueConverter<TemplateId, Guid>(id => id.Value, v => new TemplateId(v));
    private sealed class DeploymentIdConverter() : ValueConverter<DeploymentId, Guid>(id => id.Value, v => new DeploymentId(v));
    private sealed class VisibilityConverter() : ValueConverter<TemplateVisibility, string>(v => v.ToCode(), c => ParseVisibility(c));
    private sealed class DesiredStateConverter() : ValueConverter<DesiredState, string>(s => s.ToCode(), c => StateOfColumn(c));

    /// <summary>The <c>deployments.state</c> column as a state: anything but <c>stopped</c> is running (<see cref="DeploymentListReader"/> asks PostgreSQL the same question: <c>state = 'stopped'</c>).</summary>
    internal static DesiredState StateOfColumn(string code) => code == "stopped" ? DesiredState.Stopped : DesiredState.Running;
    private sealed class PhaseConverter() : ValueConverter<DeploymentPhase, string>(p => p.ToCode(), c => DeploymentCodes.ParsePhase(c));

    private sealed class StringMapConverter() : ValueConverter<Dictionary<string, string>, string>(
        map => System.Text.Json.JsonSerializer.Serialize(map, (System.Text.Json.JsonSerializerOptions?)null),
        json => System.Text.Json.JsonSerializer.Deserialize<Dictionary<string, string>>(json, (System.Text.Json.JsonSerializerOptions?)null) ?? new Dictionary<string, string>())
    {
        public static readonly Microsoft.EntityFrameworkCore.ChangeTracking.ValueComparer<Dictionary<string, string>> Comparer = new(
            (a, b) => a != null && b != null && a.Count == b.Count && a.All(kv => b.ContainsKey(kv.Key) && b[kv.Key] == kv.Value),
            map => map.Aggregate(0, (hash, kv) => hash ^ HashCode.Combine(kv.Key, kv.Value)),
            map => new Dictionary<string, string>(map, StringComparer.Ordinal));
    }

    private sealed class ObservationConverter() : ValueConverter<ClusterObservation, string>(
        observed => Json(observed),
        json => System.Text.Json.JsonSerializer.Deserialize<ClusterObservation>(json, System.Text.Json.JsonSerializerOptions.Web) ?? ClusterObservation.None)
    {
        private static string Json(ClusterObservation observed) => System.Text.Json.JsonSerializer.Serialize(observed, System.Text.Json.JsonSerializerOptions.Web);

        public static readonly Microsoft.EntityFrameworkCore.ChangeTracking.ValueComparer<ClusterObservation> Comparer = new(
            (a, b) => a != null && b != null && Json(a) == Json(b), observed => Json(observed).GetHashCode(), observed => observed);
    }

    private static TemplateVisibility ParseVisibility(string code) =>
        TemplateVisibilityCodes.TryParse(code, out var visibility) ? visibility : throw new InvalidOperationException($"Unknown visibility '{code}'.");

    private sealed class PlanIdConverter() : ValueConverter<PlanId, Guid>(id => id.Value, v => new PlanId(v));
    private sealed class SubscriptionIdConverter() : ValueConverter<SubscriptionId, Guid>(id => id.Value, v => new SubscriptionId(v));
    private sealed class SubscriptionStatusConverter() : ValueConverter<SubscriptionStatus, string>(s => s.ToCode(), v => SubscriptionStatusCodes.Parse(v));
    private sealed class TierLimitsJsonConverter() : ValueConverter<TierLimits, string>(l => LimitsJson.Write(l), v => LimitsJson.Read(v));

    private static Tier ParseTier(string code) =>
        TierCodes.TryParse(code, out var tier) ? tier : throw new InvalidOperationException($"Unknown tier '{code}' in the database.");
}
