namespace CleanScheduler.Application.Features.Invitations;

/// <summary>
/// An invitation as its organization sees it. <see cref="TargetType"/> is <c>organization</c> or <c>team</c>;
/// <see cref="Status"/> pending, accepted, declined, revoked or expired; <see cref="MailStatus"/> queued, sent or failed.
/// The token is never part of it: it exists only in the mail.
/// </summary>
public sealed record InvitationDto(
    Guid Id,
    string Email,
    string TargetType,
    Guid TargetId,
    string TargetName,
    string Role,
    string Status,
    string MailStatus,
    string? InvitedBy,
    DateTimeOffset CreatedAt,
    DateTimeOffset ExpiresAt);

/// <summary>What the holder of an invitation link sees before answering: where to, which role, from whom, until when.</summary>
public sealed record InvitationPreviewDto(
    string Email,
    string OrganizationName,
    string? TeamName,
    string TargetType,
    string Role,
    string? InvitedBy,
    DateTimeOffset ExpiresAt,
    string Status,
    string ClientName);

/// <summary>Where the accepted invitation led: the organization, and the team for a team invitation.</summary>
public sealed record AcceptedInvitationDto(Guid OrganizationId, Guid? TeamId);
