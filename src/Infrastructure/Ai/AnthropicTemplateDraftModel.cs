using Anthropic;
using Anthropic.Exceptions;
using Anthropic.Models.Messages;
using CleanScheduler.Application.Features.Templates;
using Microsoft.Extensions.Logging;

namespace CleanScheduler.Infrastructure.Ai;

/// <summary>ANTHROPIC_API_KEY, ANTHROPIC_MODEL and ANTHROPIC_BASE_URL (tests point it at a local fake; Anthropic's own by default).</summary>
public sealed record AnthropicSettings(string ApiKey, string Model, Uri? BaseUrl);

/// <summary>Template drafts from Claude through the official Anthropic package (Messages API, one text reply).</summary>
public sealed class AnthropicTemplateDraftModel(IAnthropicClient client, string model, ILogger<AnthropicTemplateDraftModel> logger) : ITemplateDraftModel
{
    /// <summary>Enough for a template of several services; the spec parser refuses anything near 64 KiB anyway.</summary>
    public const int MaxTokens = 4_096;

    public static IAnthropicClient CreateClient(AnthropicSettings settings, TimeSpan timeout) =>
        new AnthropicClient
        {
            ApiKey = settings.ApiKey,
            BaseUrl = settings.BaseUrl?.ToString().TrimEnd('/') ?? "https://api.anthropic.com",
            Timeout = timeout + TimeSpan.FromSeconds(10),   // the draft's own deadline (the use case's) ends the call first
            MaxRetries = 1,   // the user waits: one retry of a 429/5xx, then the answer
        };

    public async Task<string> ReplyAsync(string instructions, IReadOnlyList<DraftTurn> conversation, CancellationToken cancellationToken)
    {
        var parameters = new MessageCreateParams
        {
            Model = model,
            MaxTokens = MaxTokens,
            System = instructions,
            Messages = conversation.Select(turn => turn.FromModel
                ? new MessageParam(new AssistantMessageParam(turn.Text))
                : new MessageParam(new UserMessageParam(turn.Text))).ToList(),
        };
        Message reply;
        try
        {
            reply = await client.Messages.Create(parameters, cancellationToken);
        }
        catch (AnthropicException e) when (!cancellationToken.IsCancellationRequested)
        {
            logger.LogWarning("The Anthropic API refused a template draft: {Error} {Reason}", e.GetType().Name, e.Message);
            throw new TemplateDraftUnavailableException($"The model could not answer: {e.Message}", e);
        }
        var text = string.Concat(reply.Content.Select(block => block.TryPickText(out var t) ? t.Text : ""));
        return text.Length > 0 ? text : throw new TemplateDraftUnavailableException("The model answered without text.");
    }
}
