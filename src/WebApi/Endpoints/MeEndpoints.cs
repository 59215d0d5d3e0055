using CleanScheduler.Application.Features.Me;
using MediatR;
using Microsoft.AspNetCore.Http.HttpResults;

namespace CleanScheduler.WebApi.Endpoints;

public static class MeEndpoints
{
    public static IEndpointRouteBuilder MapMeEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/me", GetAsync).WithTags("Me").RequireAuthorization()
            .WithName("getMe").WithSummary("The caller, their organizations and the teams they act in, with roles").WithProblems();
        return app;
    }

    private static async Task<Ok<MeDto>> GetAsync(IMediator mediator, CancellationToken ct) =>
        TypedResults.Ok(await mediator.Send(new GetMeQuery(), ct));
}
