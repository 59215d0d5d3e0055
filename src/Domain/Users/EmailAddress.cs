using System.Text.RegularExpressions;

namespace CleanScheduler.Domain.Users;

/// <summary>A normalized (trimmed, lower-case) e-mail address. <c>dev@localhost</c> is valid: the domain needs no dot.</summary>
public readonly partial record struct EmailAddress
{
    public const int MaxLength = 254;
    public string Value { get; }

    private EmailAddress(string value) => Value = value;

    public static bool IsValid(string? value) => TryParse(value, out _);

    public static bool TryParse(string? value, out EmailAddress email)
    {
        email = default;
        // ASCII only, checked before lower-casing: ToLowerInvariant maps some non-ASCII letters to ASCII ones
        // (U+212A KELVIN SIGN -> "k"), which would let a different address match an existing account.
        if (value is null || !System.Text.Ascii.IsValid(value)) return false;
        var normalized = value.Trim().ToLowerInvariant();
        if (normalized.Length is 0 or > MaxLength || !Pattern().IsMatch(normalized)) return false;
        if (normalized.IndexOf('@') > 64) return false;
        email = new EmailAddress(normalized);
        return true;
    }

    /// <summary>
    /// Whether mail can be addressed to it: the local part is an RFC 5322 dot-atom (no leading, trailing or double dot),
    /// as MimeKit requires. Checked where an address is given to send to (invitations); stored accounts are read with <see cref="TryParse"/>.
    /// </summary>
    public static bool IsDeliverable(string? value) => TryParse(value, out var email) && email.HasDotAtomLocalPart;

    public bool HasDotAtomLocalPart
    {
        get
        {
            var local = Value[..Value.IndexOf('@')];
            return !local.StartsWith('.') && !local.EndsWith('.') && !local.Contains("..", StringComparison.Ordinal);
        }
    }

    public static EmailAddress From(string value) =>
        TryParse(value, out var email) ? email : throw new ArgumentException("Not a valid e-mail address.", nameof(value));

    public override string ToString() => Value;

    [GeneratedRegex(@"^[a-z0-9.!#$%&'*+/=?^_`{|}~-]+@[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$", RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();
}
