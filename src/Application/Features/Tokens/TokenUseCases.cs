using CleanScheduler.Application.Common;
using CleanScheduler.Domain.Common;
using FluentValidation;
using MediatR;

namespace CleanScheduler.Application.Features.Tokens;

public sealed record ApiTokenDto(
    Guid Id, string Name, string Scope, Guid? OrganizationId, DateTimeOffset CreatedAt, DateTimeOffset ExpiresAt, DateTimeOffset? LastUsedAt, string Prefix)
{
    public static ApiTokenDto From(ApiToken t) =>
        new(t.Id, t.Name, t.Scope.ToCode(), t.Organization?.Value, t.CreatedAt, t.ExpiresAt, t.LastUsedAt, t.Prefix);
}

/// <summary>A new token with its secret: the only answer that ever carries <see cref="Token"/>.</summary>
public sealed record CreatedApiTokenDto(
    Guid Id, string Name, string Scope, Guid? OrganizationId, DateTimeOffset CreatedAt, DateTimeOffset ExpiresAt, DateTimeOffset? LastUsedAt,
    string Prefix, string Token);

/// <summary>
/// Issues a personal API token for the caller on the request's client. <see cref="OrganizationId"/> limits it to one
/// organization the caller belongs to (another answers 404 <c>organization.not_found</c>).
/// </summary>
public sealed record CreateApiTokenCommand(string? Name, string? Scope, DateTimeOffset? ExpiresAt, Guid? OrganizationId) : IRequest<CreatedApiTokenDto>;

public sealed class CreateApiTokenValidator : AbstractValidator<CreateApiTokenCommand>
{
    /// <summary>The longest a token lives. A few minutes of slack let a page that computed "in a year" a moment ago pass.</summary>
    public static readonly TimeSpan ClockSlack = TimeSpan.FromMinutes(5);

    public CreateApiTokenValidator(TimeProvider clock)
    {
        RuleFor(c => c.Name).ValidDisplayName("token name");
        RuleFor(c => c.Scope).Must(s => ApiTokenScopes.TryParse(s, out _))
            .WithMessage($"Must be one of: {string.Join(", ", ApiTokenScopes.All)}.");
        RuleFor(c => c.ExpiresAt).NotNull().WithMessage("An expiry date is required (at most one year ahead).")
            .Must(at => at > clock.GetUtcNow()).WithMessage("Must be in the future.")
            .Must(at => at <= clock.GetUtcNow().AddYears(1) + ClockSlack).WithMessage("Must be at most one year ahead.");
        RuleFor(c => c.OrganizationId).NotEqual(Guid.Empty).WithMessage("Must be an organization id.");
    }
}

public sealed class CreateApiTokenHandler(IApiTokenStore tokens, ResourceAuthorizer authorizer, ICurrentUser user, ICurrentClient client, TimeProvider clock)
    : IRequestHandler<CreateApiTokenCommand, CreatedApiTokenDto>
{
    /// <summary>Tokens one user may hold at once, so that a script gone wrong cannot fill the table.</summary>
    public const int MaxPerUser = 100;

    public async Task<CreatedApiTokenDto> Handle(CreateApiTokenCommand command, CancellationToken cancellationToken)
    {
        OrganizationId? organization = command.OrganizationId is { } id ? new OrganizationId(id) : null;
        if (organization is { } org) await authorizer.MembershipAsync(new ResourceRef.Organization(org), cancellationToken);
        if (await tokens.CountAsync(user.Id, cancellationToken) >= MaxPerUser)
            throw new RuleViolationException("token.limit_reached", $"You hold {MaxPerUser} API tokens already; revoke one first.");

        var secret = ApiTokenSecrets.New();
        ApiTokenScopes.TryParse(command.Scope, out var scope);
        var token = new ApiToken(Guid.CreateVersion7(), user.Id, client.Id, DisplayName.From(command.Name!, "token name"), scope, organization,
            secret[..ApiTokenSecrets.PrefixLength], clock.GetUtcNow(), command.ExpiresAt!.Value.ToUniversalTime(), LastUsedAt: null);
        await tokens.AddAsync(token, ApiTokenSecrets.Hash(secret), cancellationToken);
        return new CreatedApiTokenDto(token.Id, token.Name, scope.ToCode(), organization?.Value, token.CreatedAt, token.ExpiresAt, null, token.Prefix, secret);
    }
}

/// <summary>The caller's tokens on the request's client, newest first, without secrets.</summary>
public sealed record ListApiTokensQuery : IRequest<IReadOnlyList<ApiTokenDto>>;

public sealed class ListApiTokensHandler(IApiTokenStore tokens, ICurrentUser user, ICurrentClient client)
    : IRequestHandler<ListApiTokensQuery, IReadOnlyList<ApiTokenDto>>
{
    public async Task<IReadOnlyList<ApiTokenDto>> Handle(ListApiTokensQuery query, CancellationToken cancellationToken) =>
        (await tokens.ListAsync(user.Id, client.Id, cancellationToken)).Select(ApiTokenDto.From).ToList();
}

/// <summary>Revokes one of the caller's tokens at once; another user's or an unknown id answers 404 <c>token.not_found</c>.</summary>
public sealed record RevokeApiTokenCommand(Guid Id) : IRequest<Unit>;

public sealed class RevokeApiTokenHandler(IApiTokenStore tokens, ICurrentUser user, ICurrentClient client) : IRequestHandler<RevokeApiTokenCommand, Unit>
{
    public async Task<Unit> Handle(RevokeApiTokenCommand command, CancellationToken cancellationToken)
    {
        if (!await tokens.DeleteAsync(command.Id, user.Id, client.Id, cancellationToken)) throw new NotFoundException("token", command.Id);
        return Unit.Value;
    }
}
