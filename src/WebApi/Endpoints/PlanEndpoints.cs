using CleanScheduler.Application.Features.Plans;
using CleanScheduler.Domain.Common;
using MediatR;
using Microsoft.AspNetCore.Http.HttpResults;
using static Microsoft.AspNetCore.Http.StatusCodes;

namespace CleanScheduler.WebApi.Endpoints;

public static class PlanEndpoints
{
    public static IEndpointRouteBuilder MapPlanEndpoints(this IEndpointRouteBuilder app)
    {
        var plans = app.MapGroup("/api/plans").WithTags("Plans").RequireAuthorization();
        plans.MapGet("/", ListAsync).WithName("listPlans").WithSummary("The plans organizations can be on").WithProblems();
        plans.MapPost("/", CreateAsync).WithName("createPlan").WithSummary("Define a plan (platform admins only)")
            .WithProblems(Status400BadRequest, Status403Forbidden, Status409Conflict);
        plans.MapPut("/{id:guid}", ReviseAsync).WithName("revisePlan").WithSummary("Rename a plan and set its limits; its organizations follow (platform admins only)")
            .WithProblems(Status400BadRequest, Status403Forbidden, Status404NotFound, Status409Conflict);
        return app;
    }

    private static async Task<Ok<IReadOnlyList<PlanDto>>> ListAsync(IMediator mediator, CancellationToken ct) =>
        TypedResults.Ok(await mediator.Send(new ListPlansQuery(), ct));

    private static async Task<Created<PlanDto>> CreateAsync(CreatePlanRequest body, IMediator mediator, CancellationToken ct)
    {
        var plan = await mediator.Send(new CreatePlanCommand(body.Code, body.Name, body.Tier, body.Limits), ct);
        return TypedResults.Created($"/api/plans/{plan.Id}", plan);
    }

    private static async Task<Ok<PlanDto>> ReviseAsync(Guid id, RevisePlanRequest body, IMediator mediator, CancellationToken ct) =>
        TypedResults.Ok(await mediator.Send(new RevisePlanCommand(new PlanId(id), body.Name, body.Limits, body.StripePriceId), ct));
}
