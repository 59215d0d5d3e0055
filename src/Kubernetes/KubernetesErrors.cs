using System.Text.Json.Nodes;

namespace CleanScheduler.Kubernetes;

/// <summary>
/// The API server answered with an error. <see cref="Reason"/> and <see cref="Message"/> come from its
/// <c>Status</c> body (NotFound, AlreadyExists, Conflict, Invalid, Expired, ...); a body that is not a Status
/// (the text/plain "404 page not found" of a resource the server does not serve) leaves Reason empty.
/// </summary>
public class KubeApiException(int statusCode, string reason, string message, JsonObject? status = null)
    : Exception($"{statusCode} {reason}: {message}".Trim())
{
    public int StatusCode { get; } = statusCode;
    public string Reason { get; } = reason;
    public string ApiMessage { get; } = message;
    public JsonObject? Status { get; } = status;

    /// <summary>
    /// The answer says the request itself is wrong, so sending it again can never succeed: a 4xx other than the ones
    /// that describe the moment or the caller (401, 403, 404, 408, 409, 410, 429), or the 500 of a server-side apply
    /// whose object could not be typed against the schema ("failed to create typed patch object", transcript 16).
    /// </summary>
    public bool RequestRejected =>
        StatusCode is >= 400 and < 500 and not (401 or 403 or 404 or 408 or 409 or 410 or 429) || IsUntypable(StatusCode, ApiMessage);

    /// <summary>A 500 that is not the server being unwell: the apply body does not fit the resource's schema.</summary>
    public static bool IsUntypable(int statusCode, string message) =>
        statusCode == 500 && message.Contains("failed to create typed patch object", StringComparison.Ordinal);

    /// <summary>The typed exception for a status code: 404, 409, 410 and 422 have their own.</summary>
    public static KubeApiException From(int statusCode, string reason, string message, JsonObject? status) => statusCode switch
    {
        404 => new KubeNotFoundException(reason, message, status),
        409 => new KubeConflictException(reason, message, status),
        410 => new KubeGoneException(reason, message, status),
        422 => new KubeInvalidException(reason, message, status),
        _ => new KubeApiException(statusCode, reason, message, status),
    };
}

public sealed class KubeNotFoundException(string reason, string message, JsonObject? status = null)
    : KubeApiException(404, reason, message, status);

/// <summary>409: <see cref="AlreadyExists"/> on create, otherwise a stale resourceVersion or a field manager conflict.</summary>
public sealed class KubeConflictException(string reason, string message, JsonObject? status = null)
    : KubeApiException(409, reason, message, status)
{
    public bool AlreadyExists => Reason == "AlreadyExists";
}

/// <summary>410 Expired: a resourceVersion or continue token older than the server keeps. Re-list.</summary>
public sealed class KubeGoneException(string reason, string message, JsonObject? status = null)
    : KubeApiException(410, reason, message, status);

/// <summary>422 Invalid: one <see cref="Causes"/> entry per field the server refused.</summary>
public sealed class KubeInvalidException(string reason, string message, JsonObject? status = null)
    : KubeApiException(422, reason, message, status)
{
    public IReadOnlyList<(string Reason, string Field, string Message)> Causes { get; } =
        (status?["details"]?["causes"] as JsonArray ?? [])
        .OfType<JsonObject>()
        .Select(c => ((string?)c["reason"] ?? "", (string?)c["field"] ?? "", (string?)c["message"] ?? ""))
        .ToList();
}

/// <summary>The API server could not be reached, or answered 5xx (except <see cref="KubeApiException.IsUntypable"/>) / 429: try again later.</summary>
public sealed class KubeUnavailableException(string message, Exception? inner = null) : Exception(message, inner);
