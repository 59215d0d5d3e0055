using CleanScheduler.Application.Features.Templates;
using CleanScheduler.Domain.Common;
using MediatR;
using Microsoft.AspNetCore.Http.HttpResults;
using static Microsoft.AspNetCore.Http.StatusCodes;

namespace CleanScheduler.WebApi.Endpoints;

public sealed record DraftTemplateRequest(Guid TeamId, string? Prompt);

public static class TemplateDraftEndpoints
{
    /// <summary>Mapped only when ANTHROPIC_API_KEY is set: otherwise POST /api/templates/drafts answers 404.</summary>
    public static IEndpointRouteBuilder MapTemplateDraftEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/templates/drafts", DraftAsync).WithTags("Templates").RequireAuthorization()
            .RequireRateLimiting(TemplateDraftOptions.RateLimitPolicy)
            .WithName("draftTemplate")
            .WithSummary("Draft a template spec with Claude from a description; the draft is checked by the spec parser, repaired at most twice, and not stored")
            .WithProblems(Status400BadRequest, Status403Forbidden, Status404NotFound, Status409Conflict, Status429TooManyRequests,
                Status503ServiceUnavailable, Status504GatewayTimeout);
        return app;
    }

    private static async Task<Ok<TemplateDraft>> DraftAsync(DraftTemplateRequest body, IMediator mediator, CancellationToken ct) =>
        TypedResults.Ok(await mediator.Send(new DraftTemplateCommand(new TeamId(body.TeamId), body.Prompt), ct));
}
