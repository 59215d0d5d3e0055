using Microsoft.AspNetCore.Diagnostics;
using System.Text.Json;
using System.Text.RegularExpressions;
using CleanScheduler.Application.Common;
using CleanScheduler.Domain.Common;
using FluentValidation;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;

namespace CleanScheduler.WebApi.Errors;

/// <summary>
/// Every error answer is an RFC 9457 ProblemDetails with a stable <c>code</c>. This file is the one place that
/// decides which exception becomes which status (STYLE.md §5).
/// </summary>
public static partial class Problems
{
    public static ProblemDetails Coded(int status, string title, string code, string detail) =>
        new() { Status = status, Title = title, Detail = detail, Extensions = { ["code"] = code } };

    public static HttpValidationProblemDetails Validation(IDictionary<string, string[]> errors) =>
        new(errors)
        {
            Status = StatusCodes.Status400BadRequest,
            Title = "One or more fields are invalid",
            Detail = string.Join(" ", errors.Select(e => $"{e.Key}: {string.Join(" ", e.Value)}")),
            Extensions = { ["code"] = "validation.failed" },
        };

    public static IResult Result(ProblemDetails problem) => Results.Problem(problem);

    public static async Task WriteAsync(HttpContext http, ProblemDetails problem)
    {
        http.Response.StatusCode = problem.Status ?? StatusCodes.Status500InternalServerError;
        await http.RequestServices.GetRequiredService<IProblemDetailsService>()
            .WriteAsync(new ProblemDetailsContext { HttpContext = http, ProblemDetails = problem });
    }

    /// <summary>The ProblemDetails for an expected failure, or null for a bug or an outage (answered 500 with nothing in it).</summary>
    public static ProblemDetails? FromException(Exception exception) => exception switch
    {
        ValidationException e => Validation(e.Errors
            .GroupBy(f => JsonField(f.PropertyName))
            .ToDictionary(g => g.Key, g => g.Select(f => f.ErrorMessage).Distinct().ToArray())),
        Application.Features.Templates.SpecValidationException e => SpecProblem(e),
        Application.Common.RenderLimitException e => RenderLimit(e),
        NotFoundException e => Coded(StatusCodes.Status404NotFound, "Not found", e.Code, e.Message),
        AccessDeniedException e => Coded(StatusCodes.Status403Forbidden, "Forbidden", e.Code, e.Message),
        RuleViolationException e => Coded(StatusCodes.Status409Conflict, "Business rule violated", e.Code, e.Message),
        Domain.Invitations.InvitationUnusableException e => Coded(StatusCodes.Status410Gone, "Invitation no longer usable", e.Code, e.Message),
        Domain.Invitations.InvitationTooSoonException e => Coded(StatusCodes.Status429TooManyRequests, "Too soon", e.Code, e.Message),
        ConstraintViolationException e => Coded(StatusCodes.Status409Conflict, "Conflict", e.Code, e.Message),
        DbUpdateConcurrencyException or WriteConflictException => Coded(StatusCodes.Status409Conflict, "Concurrent update", "concurrency.conflict",
            "Someone else changed this resource at the same time; retry the request."),
        BadHttpRequestException e => FromBadRequest(e),
        ServiceUnavailableException e => Coded(StatusCodes.Status503ServiceUnavailable, "Service unavailable", e.Code, e.Message),
        Application.Features.Templates.TemplateDraftUnavailableException => Coded(StatusCodes.Status503ServiceUnavailable, "Service unavailable", "ai.unavailable",
            "The AI model cannot answer right now; try again shortly, or write the template by hand."),
        Application.Features.Templates.TemplateDraftTimeoutException e => Coded(StatusCodes.Status504GatewayTimeout, "Draft timed out", "ai.timeout", e.Message),
        Application.Common.ClusterUnavailableException => Coded(StatusCodes.Status503ServiceUnavailable, "Service unavailable", "cluster.unavailable",
            "The Kubernetes API server cannot be reached right now; try again shortly."),
        _ => null,
    };

    /// <summary>400 with <c>errors.spec</c> (one line per problem) and <c>specErrors</c> ({line, column, path, message}) for editors.</summary>
    private static ProblemDetails SpecProblem(Application.Features.Templates.SpecValidationException e)
    {
        var problem = Validation(new Dictionary<string, string[]> { ["spec"] = e.Errors.Select(x => x.ToString()).ToArray() });
        problem.Title = "The template spec is not valid";
        problem.Extensions["code"] = "template.invalid_spec";
        problem.Extensions["specErrors"] = e.Errors.Select(x => new { line = x.Line, column = x.Column, path = x.Path, message = x.Message }).ToArray();
        return problem;
    }

    /// <summary>422 with the limit's code and <c>errors.FIELD</c>: what would be rendered is larger than the platform renders.</summary>
    private static ProblemDetails RenderLimit(Application.Common.RenderLimitException e)
    {
        var problem = Validation(new Dictionary<string, string[]> { [e.Field] = [e.Message] });
        problem.Status = StatusCodes.Status422UnprocessableEntity;
        problem.Title = "The rendered manifests would be too large";
        problem.Extensions["code"] = e.Code;
        return problem;
    }

    private static ProblemDetails FromBadRequest(BadHttpRequestException e)
    {
        if (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
            return Coded(e.StatusCode, "Request too large", "request.too_large", "The request body is larger than the server accepts.");
        if (e.StatusCode == StatusCodes.Status415UnsupportedMediaType)
            return Coded(e.StatusCode, "Unsupported media type", "request.unsupported_media_type", "Send the body as application/json.");
        if (e.InnerException is JsonException json)
        {
            var field = json.Path is null or "$" ? "body" : JsonField(json.Path.TrimStart('$').TrimStart('.'));
            var message = json.Message.Contains("could not be converted", StringComparison.Ordinal)
                ? "Has the wrong JSON type."
                : json.Message.Contains("maximum configured depth", StringComparison.Ordinal)
                    ? "Is nested too deeply."
                    : $"Is not valid JSON{Position(json)}.";
            return Validation(new Dictionary<string, string[]> { [field] = [message] });
        }
        if (BindFailure().Match(e.Message) is { Success: true } bind)
            return Validation(new Dictionary<string, string[]> { [bind.Groups["name"].Value] = [$"'{bind.Groups["value"].Value}' is not a valid {Describe(bind.Groups["type"].Value)}."] });
        if (e.Message.Contains("body", StringComparison.OrdinalIgnoreCase))
            return Validation(new Dictionary<string, string[]> { ["body"] = ["A JSON request body is required."] });
        return Coded(e.StatusCode, "Bad request", "request.invalid", "The request is malformed.");
    }

    private static string Position(JsonException json) =>
        json.LineNumber is { } line ? $" (line {line + 1}, position {(json.BytePositionInLine ?? 0) + 1})" : "";

    private static string Describe(string type) =>
        type.Contains("int", StringComparison.OrdinalIgnoreCase) || type.Contains("long", StringComparison.OrdinalIgnoreCase) ? "whole number"
        : type.Contains("Guid", StringComparison.Ordinal) ? "identifier"
        : type.Contains("bool", StringComparison.OrdinalIgnoreCase) ? "boolean"
        : "value";

    /// <summary>The answer for an error status that routing or a server limit produced without a body (404, 405, 415...).</summary>
    public static ProblemDetails ForStatus(HttpContext http) => http.Response.StatusCode switch
    {
        StatusCodes.Status404NotFound => Coded(404, "Not found", "route.not_found", $"Nothing answers {http.Request.Method} {http.Request.Path}."),
        StatusCodes.Status405MethodNotAllowed => Coded(405, "Method not allowed", "method_not_allowed",
            $"{http.Request.Path} does not accept {http.Request.Method}."),
        StatusCodes.Status415UnsupportedMediaType => Coded(415, "Unsupported media type", "request.unsupported_media_type",
            "Send the body as application/json."),
        var status => new ProblemDetails { Status = status },
    };

    /// <summary>
    /// "Members[0].Role" becomes "members[0].role": C# property names as the JSON spells them. Segments that are not
    /// PascalCase (setting names such as "values.POSTGRES_PASSWORD") stay as they are.
    /// </summary>
    public static string JsonField(string path) =>
        string.Join('.', path.Split('.').Select(part =>
            part.Length > 0 && char.IsUpper(part[0]) && (part.Length == 1 || !char.IsUpper(part[1])) ? char.ToLowerInvariant(part[0]) + part[1..] : part));

    [GeneratedRegex("""Failed to bind parameter "(?<type>[^ "]+) (?<name>[^"]+)" from "(?<value>[^"]*)".""")]
    private static partial Regex BindFailure();
}

/// <summary>Turns exceptions into ProblemDetails; everything unexpected becomes a bare 500 and is logged here.</summary>
public sealed class ProblemDetailsForExceptions(ILogger<ProblemDetailsForExceptions> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext http, Exception exception, CancellationToken cancellationToken)
    {
        if (exception is OperationCanceledException && http.RequestAborted.IsCancellationRequested)
            return true;   // the client went away; nobody is left to answer
        var problem = Problems.FromException(exception);
        if (exception is Domain.Invitations.InvitationTooSoonException tooSoon)
            http.Response.Headers.RetryAfter = Math.Ceiling(tooSoon.RetryAfter.TotalSeconds).ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (problem is null && Infrastructure.Persistence.DatabaseErrors.IsUnavailable(exception))
        {
            logger.LogWarning("Database unavailable on {Method} {Path}: {Reason}", http.Request.Method, http.Request.Path, exception.Message);
            http.Response.Headers.RetryAfter = "5";
            problem = Problems.Coded(StatusCodes.Status503ServiceUnavailable, "Service unavailable", "unavailable.database",
                "The database cannot be reached right now; retry in a few seconds.");
        }
        if (problem is null && Infrastructure.Sessions.SessionStoreErrors.IsUnavailable(exception))
        {
            logger.LogWarning("Session store unavailable on {Method} {Path}: {Reason}", http.Request.Method, http.Request.Path, exception.Message);
            http.Response.Headers.RetryAfter = "5";
            problem = Problems.Coded(StatusCodes.Status503ServiceUnavailable, "Service unavailable", "unavailable.sessions",
                "The session store cannot be reached right now; retry in a few seconds.");
        }
        if (problem is null && exception is Application.Common.SecretBackendUnavailableException)
        {
            logger.LogWarning("Secrets backend unavailable on {Method} {Path}: {Reason}", http.Request.Method, http.Request.Path, exception.Message);
            http.Response.Headers.RetryAfter = "5";
            problem = Problems.Coded(StatusCodes.Status503ServiceUnavailable, "Service unavailable", "unavailable.secrets",
                "The secrets backend cannot be reached right now; retry in a few seconds.");
        }
        if (problem is null)
        {
            logger.LogError(exception, "Unhandled error on {Method} {Path}", http.Request.Method, http.Request.Path);
            problem = Problems.Coded(StatusCodes.Status500InternalServerError, "Internal error", "internal_error",
                "Something went wrong on our side. It has been logged; please try again.");
        }
        await Problems.WriteAsync(http, problem);
        return true;
    }
}

/// <summary>
/// The last problem writer: answers application/problem+json whatever the request's Accept says. The framework's
/// writer declines a request that accepts only, say, text/event-stream (an EventSource) or text/html, and the
/// error handler then fails with a bare 500; a client that asked for something else still gets the real status
/// and the problem, which is what RFC 9457 expects. Registered after AddProblemDetails, so it only runs then.
/// </summary>
public sealed class AnyAcceptProblemDetailsWriter(Microsoft.Extensions.Options.IOptions<ProblemDetailsOptions> options) : IProblemDetailsWriter
{
    public bool CanWrite(ProblemDetailsContext context) => true;

    public ValueTask WriteAsync(ProblemDetailsContext context)
    {
        options.Value.CustomizeProblemDetails?.Invoke(context);
        var problem = context.ProblemDetails;
        problem.Status ??= context.HttpContext.Response.StatusCode;
        var json = context.HttpContext.RequestServices.GetRequiredService<Microsoft.Extensions.Options.IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions>>().Value.SerializerOptions;
        return new ValueTask(context.HttpContext.Response.WriteAsJsonAsync(problem, json, "application/problem+json"));
    }
}
