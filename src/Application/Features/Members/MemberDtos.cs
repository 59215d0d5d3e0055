namespace CleanScheduler.Application.Features.Members;

/// <summary>A member of an organization or a team. <see cref="Since"/> is when they joined.</summary>
public sealed record MemberDto(Guid UserId, string Email, string DisplayName, string Role, DateTimeOffset Since);
