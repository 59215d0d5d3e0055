using CleanScheduler.Application.Features.Me;
using CleanScheduler.Application.Features.Templates;
using CleanScheduler.Domain.Common;
using MediatR;
using Microsoft.AspNetCore.Http.HttpResults;
using static Microsoft.AspNetCore.Http.StatusCodes;

namespace CleanScheduler.WebApi.Endpoints;

public sealed record DraftTemplateRequest(Guid TeamId, string? Prompt);

public static class TemplateDraftEndpoints
{
    /// <summary>Always in the API document; without ANTHROPIC_API_KEY the route answers 404 <c>template_drafts.disabled</c>.</summary>
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

    private static async Task<Results<Ok<TemplateDraft>, ProblemHttpResult>> DraftAsync(
        DraftTemplateRequest body, IMediator mediator, MeCapabilities capabilities, CancellationToken ct) =>
        capabilities.TemplateDrafts
            ? TypedResults.Ok(await mediator.Send(new DraftTemplateCommand(new TeamId(body.TeamId), body.Prompt), ct))
            : TypedResults.Problem(Errors.Problems.Coded(Status404NotFound, "Not found", "template_drafts.disabled",
                "AI template drafts are not enabled on this server."));
}
