namespace CleanScheduler.Application.Features.Templates;

/// <summary>
/// The language model that writes template drafts (Claude, through the Anthropic package). It sees only what the
/// draft use case gives it: our instructions, the caller's description and the drafts and errors of this conversation.
/// </summary>
public interface ITemplateDraftModel
{
    /// <summary>The model's next reply. Throws <see cref="TemplateDraftUnavailableException"/> when the model cannot answer.</summary>
    Task<string> ReplyAsync(string instructions, IReadOnlyList<DraftTurn> conversation, CancellationToken cancellationToken);
}

/// <summary>One message of a draft conversation: the caller's side (<c>FromModel</c> false) or the model's.</summary>
public sealed record DraftTurn(bool FromModel, string Text);

/// <summary>
/// AI drafts (only registered when ANTHROPIC_API_KEY is set): the deadline of one draft with its repair rounds, and
/// how many drafts one user may ask for per hour.
/// </summary>
public sealed record TemplateDraftOptions(TimeSpan Timeout, int PerUserPerHour)
{
    public const int MaxRepairRounds = 2;
    public const int MaxPromptLength = 2_000;
    public const string RateLimitPolicy = "template-drafts";
}

/// <summary>The model answered with an error or could not be reached (HTTP 503, <c>ai.unavailable</c>).</summary>
public sealed class TemplateDraftUnavailableException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>The draft did not finish within <see cref="TemplateDraftOptions.Timeout"/> (HTTP 504, <c>ai.timeout</c>).</summary>
public sealed class TemplateDraftTimeoutException(TimeSpan timeout)
    : Exception($"The draft did not finish within {timeout.TotalSeconds:0} seconds; try again or describe less at once.")
{
    public TimeSpan Timeout { get; } = timeout;
}
