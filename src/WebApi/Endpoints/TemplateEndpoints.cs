using CleanScheduler.Application.Common;
using CleanScheduler.Application.Features.Templates;
using CleanScheduler.Domain.Common;
using MediatR;
using Microsoft.AspNetCore.Http.HttpResults;
using static Microsoft.AspNetCore.Http.StatusCodes;

namespace CleanScheduler.WebApi.Endpoints;

public static class TemplateEndpoints
{
    public static IEndpointRouteBuilder MapTemplateEndpoints(this IEndpointRouteBuilder app)
    {
        var templates = app.MapGroup("/api/templates").WithTags("Templates").RequireAuthorization();
        templates.MapGet("/", ListAsync).WithName("listTemplates").WithSummary("Templates the caller may use (for teamId: system, org, team and own private ones)")
            .WithProblems(Status400BadRequest, Status403Forbidden, Status404NotFound);
        templates.MapPost("/", CreateAsync).WithName("createTemplate").WithSummary("Create a template; invalid YAML answers 400 with the line and field of each problem")
            .WithProblems(Status400BadRequest, Status403Forbidden, Status404NotFound, Status409Conflict, Status422UnprocessableEntity);
        templates.MapGet("/{id:guid}", GetAsync).WithName("getTemplate").WithSummary("One template, at its current version or ?version=N")
            .WithProblems(Status404NotFound);
        templates.MapPut("/{id:guid}", UpdateAsync).WithName("updateTemplate").WithSummary("Store a new version of a template")
            .WithProblems(Status400BadRequest, Status403Forbidden, Status404NotFound, Status409Conflict, Status422UnprocessableEntity);
        templates.MapDelete("/{id:guid}", DeleteAsync).WithName("deleteTemplate").WithSummary("Delete a template no deployment uses")
            .WithProblems(Status403Forbidden, Status404NotFound, Status409Conflict);
        return app;
    }

    private static async Task<Ok<Paged<TemplateSummary>>> ListAsync(
        IMediator mediator, CancellationToken ct, Guid? teamId, string? visibility, int? page, int? pageSize) =>
        TypedResults.Ok(await mediator.Send(new ListTemplatesQuery(
            teamId is { } team ? new TeamId(team) : null, visibility, page ?? 1, pageSize ?? Paging.DefaultPageSize), ct));

    private static async Task<Created<TemplateDetails>> CreateAsync(CreateTemplateRequest body, IMediator mediator, CancellationToken ct)
    {
        var template = await mediator.Send(new CreateTemplateCommand(
            body.TeamId is { } team ? new TeamId(team) : null, body.Name, body.Description, body.Visibility, body.Spec), ct);
        return TypedResults.Created($"/api/templates/{template.Id}", template);
    }

    private static async Task<Ok<TemplateDetails>> GetAsync(Guid id, IMediator mediator, CancellationToken ct, int? version) =>
        TypedResults.Ok(await mediator.Send(new GetTemplateQuery(new TemplateId(id), version), ct));

    private static async Task<Ok<TemplateDetails>> UpdateAsync(Guid id, UpdateTemplateRequest body, IMediator mediator, CancellationToken ct) =>
        TypedResults.Ok(await mediator.Send(new UpdateTemplateCommand(new TemplateId(id), body.Spec, body.Name, body.Description), ct));

    private static async Task<NoContent> DeleteAsync(Guid id, IMediator mediator, CancellationToken ct)
    {
        await mediator.Send(new DeleteTemplateCommand(new TemplateId(id)), ct);
        return TypedResults.NoContent();
    }
}
