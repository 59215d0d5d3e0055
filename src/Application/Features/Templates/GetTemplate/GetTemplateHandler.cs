using CleanScheduler.Domain.Common;
using MediatR;

namespace CleanScheduler.Application.Features.Templates;

public sealed class GetTemplateHandler(TemplateAccess templates, TemplateSpecCache specs) : IRequestHandler<GetTemplateQuery, TemplateDetails>
{
    public async Task<TemplateDetails> Handle(GetTemplateQuery query, CancellationToken cancellationToken)
    {
        var template = await templates.VisibleAsync(query.Id, cancellationToken);
        var version = template.VersionNumbered(query.Version ?? template.CurrentVersion)
            ?? throw new NotFoundException("template_version", query.Version!.Value);
        return TemplateMapping.ToDetails(template, version, specs.TryParse(version.Spec), await templates.CanEditAsync(template, cancellationToken));
    }
}
