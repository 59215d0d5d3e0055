namespace CleanScheduler.WebApi.Endpoints;

internal static class EndpointConventions
{
    /// <summary>Declares the ProblemDetails answers an endpoint can give (401 always: every /api route needs a user).</summary>
    public static RouteHandlerBuilder WithProblems(this RouteHandlerBuilder builder, params int[] statuses)
    {
        builder.ProducesProblem(StatusCodes.Status401Unauthorized);
        foreach (var status in statuses)
        {
            if (status == StatusCodes.Status400BadRequest) builder.ProducesValidationProblem();
            else builder.ProducesProblem(status);
        }
        return builder;
    }
}
