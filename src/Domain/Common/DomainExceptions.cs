namespace CleanScheduler.Domain.Common;

/// <summary>An expected failure with a stable, machine-readable <see cref="Code"/> (<c>area.reason</c>).</summary>
public abstract class DomainException(string code, string message, Exception? inner = null) : Exception(message, inner)
{
    public string Code { get; } = code;
}

/// <summary>The caller may see the resource but their role does not allow the action (HTTP 403).</summary>
public sealed class AccessDeniedException(string code, string message) : DomainException(code, message);

/// <summary>A business rule (tier limit, state rule, uniqueness) refuses the change (HTTP 409).</summary>
public sealed class RuleViolationException(string code, string message) : DomainException(code, message);

/// <summary>
/// The resource does not exist <em>for the caller</em> (HTTP 404). Another tenant's resources are reported
/// exactly like missing ones, so that their existence does not leak.
/// </summary>
public sealed class NotFoundException(string resource, object id)
    : DomainException($"{resource}.not_found", $"No {resource} with id '{id}' was found.")
{
    public string Resource { get; } = resource;
}
