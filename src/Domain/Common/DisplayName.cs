namespace CleanScheduler.Domain.Common;

/// <summary>Human-facing names (organizations, teams, clients): 1-100 characters after trimming, no control characters.</summary>
public static class DisplayName
{
    public const int MaxLength = 100;
    public const string Rule = "1 to 100 characters without control characters";

    public static bool IsValid(string? value)
    {
        if (value is null) return false;
        var trimmed = value.Trim();
        return trimmed.Length is > 0 and <= MaxLength && !trimmed.Any(char.IsControl);
    }

    /// <summary>Returns the trimmed name. Input was validated before it reached the domain, so a bad value is a bug.</summary>
    public static string From(string value, string what) =>
        IsValid(value) ? value.Trim() : throw new ArgumentException($"The {what} must be {Rule}.", nameof(value));
}
