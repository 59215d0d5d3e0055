namespace CleanScheduler.Domain.Common;

public readonly record struct UserId(Guid Value)
{
    public static UserId New() => new(Guid.CreateVersion7());
    public override string ToString() => Value.ToString();
}

public readonly record struct OrganizationId(Guid Value)
{
    public static OrganizationId New() => new(Guid.CreateVersion7());
    public override string ToString() => Value.ToString();
}

public readonly record struct TeamId(Guid Value)
{
    public static TeamId New() => new(Guid.CreateVersion7());
    public override string ToString() => Value.ToString();
}

public readonly record struct ClientId(Guid Value)
{
    public static ClientId New() => new(Guid.CreateVersion7());
    public override string ToString() => Value.ToString();
}

public readonly record struct PlanId(Guid Value)
{
    public static PlanId New() => new(Guid.CreateVersion7());
    public override string ToString() => Value.ToString();
}

public readonly record struct SubscriptionId(Guid Value)
{
    public static SubscriptionId New() => new(Guid.CreateVersion7());
    public override string ToString() => Value.ToString();
}

public readonly record struct TemplateId(Guid Value)
{
    public static TemplateId New() => new(Guid.CreateVersion7());
    public override string ToString() => Value.ToString();
}

public readonly record struct DeploymentId(Guid Value)
{
    public static DeploymentId New() => new(Guid.CreateVersion7());
    public override string ToString() => Value.ToString();
}
