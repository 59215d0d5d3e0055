using CleanScheduler.Application.Common;
using CleanScheduler.Domain.Authorization;
using CleanScheduler.Domain.Templates;
using FluentValidation;
using MediatR;
using Microsoft.EntityFrameworkCore;

namespace CleanScheduler.Application.Features.Templates;

public sealed class DraftTemplateValidator : AbstractValidator<DraftTemplateCommand>
{
    public DraftTemplateValidator() =>
        RuleFor(c => c.Prompt).NotEmpty().WithMessage("Describe the services the template should run.")
            .MaximumLength(TemplateDraftOptions.MaxPromptLength);
}

/// <summary>
/// Asks the model for a spec, checks it with the parser that saving a template runs, and sends the line-numbered
/// problems back for at most <see cref="TemplateDraftOptions.MaxRepairRounds"/> repair rounds. The model gets our
/// instructions and the caller's words only: no names, settings or secrets of the organization.
/// </summary>
public sealed class DraftTemplateHandler(
    IAppDbContext db, ResourceAuthorizer authorizer, ITemplateDraftModel model, TemplateSpecCache specs, TemplateDraftOptions options, TimeProvider clock)
    : IRequestHandler<DraftTemplateCommand, TemplateDraft>
{
    public async Task<TemplateDraft> Handle(DraftTemplateCommand command, CancellationToken cancellationToken)
    {
        var access = await authorizer.RequireAsync(new ResourceRef.Team(command.TeamId), Permission.TemplatesCreate, cancellationToken);
        var subscription = await db.Subscriptions.AsNoTracking().SingleAsync(s => s.OrganizationId == access.Organization, cancellationToken);
        subscription.EnsureTemplateVisibilityAllowed("private", orgWide: false, clock.GetUtcNow());

        using var timer = new CancellationTokenSource(options.Timeout, clock);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timer.Token);
        List<DraftTurn> conversation = [new(false, command.Prompt!.Trim())];
        try
        {
            for (var round = 0; ; round++)
            {
                var reply = await model.ReplyAsync(TemplateDraftPrompt.Instructions, conversation, deadline.Token);
                var spec = TemplateDraftPrompt.YamlOf(reply);
                var errors = Problems(spec);
                if (errors.Count == 0 || round == TemplateDraftOptions.MaxRepairRounds)
                    return new TemplateDraft(spec, errors.Count == 0, errors, round);
                conversation.Add(new(true, reply));
                conversation.Add(new(false, TemplateDraftPrompt.Repair(errors)));
            }
        }
        catch (OperationCanceledException) when (timer.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new TemplateDraftTimeoutException(options.Timeout);
        }
    }

    /// <summary>What saving the spec would refuse: the parser's errors, or the render limit it would exceed.</summary>
    private IReadOnlyList<SpecError> Problems(string spec)
    {
        try
        {
            specs.ParseOrThrow(spec);
            return [];
        }
        catch (SpecValidationException e)
        {
            return e.Errors;
        }
        catch (RenderLimitException e)
        {
            return [new SpecError(1, 1, "", e.Message)];
        }
    }
}
