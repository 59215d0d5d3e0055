namespace CleanScheduler.Application.Features.Secrets;

/// <summary>A key set at one tier: never its value. <see cref="UpdatedBy"/> is the e-mail of who set it last (null once that user is deleted).</summary>
public sealed record SecretKeyDto(string Key, string Tier, Guid? DeploymentId, string? Service, DateTimeOffset UpdatedAt, string? UpdatedBy);

/// <summary>One key a service of a deployment receives, and the tier it comes from.</summary>
public sealed record EffectiveSecretDto(string Service, string Key, string Tier);
