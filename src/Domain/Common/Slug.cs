using System.Text;
using System.Text.RegularExpressions;

namespace CleanScheduler.Domain.Common;

/// <summary>
/// A URL- and DNS-safe identifier: 2-63 lowercase letters, digits and hyphens, starting and ending with
/// a letter or digit (a DNS-1123 label of at least two characters).
/// </summary>
public readonly partial record struct Slug
{
    public const int MinLength = 2;
    public const int MaxLength = 63;
    public const string Rule = "2 to 63 lowercase letters, digits or hyphens, starting and ending with a letter or digit";

    public string Value { get; }

    private Slug(string value) => Value = value;

    public static bool IsValid(string? value) =>
        value is { Length: >= MinLength and <= MaxLength } && Pattern().IsMatch(value);

    public static Slug From(string value) =>
        IsValid(value) ? new Slug(value) : throw new ArgumentException($"A slug must be {Rule}.", nameof(value));

    /// <summary>Derives a slug from a display name ("Acme Corp." becomes "acme-corp"); null when nothing usable remains.</summary>
    public static Slug? Derive(string name)
    {
        var builder = new StringBuilder();
        foreach (var c in name.Trim().ToLowerInvariant())
        {
            if (c is >= 'a' and <= 'z' or >= '0' and <= '9') builder.Append(c);
            else if (builder.Length > 0 && builder[^1] != '-') builder.Append('-');
            if (builder.Length >= MaxLength) break;
        }
        var candidate = builder.ToString().Trim('-');
        return IsValid(candidate) ? new Slug(candidate) : null;
    }

    public override string ToString() => Value;

    [GeneratedRegex("^[a-z0-9]([a-z0-9-]*[a-z0-9])?$", RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();
}
