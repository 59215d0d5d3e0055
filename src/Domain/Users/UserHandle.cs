using System.Text;
using System.Text.RegularExpressions;

namespace CleanScheduler.Domain.Users;

/// <summary>
/// A user's short, unique, DNS-safe name, used where an id would be too long: deployment hosts
/// (<c>&lt;handle&gt;-&lt;name&gt;.&lt;domain&gt;</c>); namespaces are the organization's, not the user's. 1-20 lowercase letters, digits
/// and hyphens, starting with a letter and not ending with a hyphen.
/// </summary>
public readonly partial record struct UserHandle
{
    public const int MaxLength = 20;

    public string Value { get; }

    private UserHandle(string value) => Value = value;

    public static bool IsValid(string? value) => value is { Length: > 0 and <= MaxLength } && Pattern().IsMatch(value);

    public static UserHandle From(string value) =>
        IsValid(value) ? new UserHandle(value) : throw new ArgumentException($"'{value}' is not a valid user handle.", nameof(value));

    /// <summary>From the e-mail's local part: "Jane.Doe+test@x.io" becomes "jane-doe-test".</summary>
    public static UserHandle Derive(EmailAddress email)
    {
        var local = email.Value[..email.Value.IndexOf('@')];
        var builder = new StringBuilder();
        foreach (var c in local)
        {
            if (c is >= 'a' and <= 'z' or >= '0' and <= '9') builder.Append(c);
            else if (builder.Length > 0 && builder[^1] != '-') builder.Append('-');
        }
        var candidate = builder.ToString().Trim('-');
        if (candidate.Length == 0 || !char.IsAsciiLetter(candidate[0])) candidate = "u" + candidate;
        candidate = candidate.Length > MaxLength - 5 ? candidate[..(MaxLength - 5)].TrimEnd('-') : candidate;
        return new UserHandle(candidate);
    }

    /// <summary>The handle with a suffix that makes it unique ("jane" becomes "jane-k3x9").</summary>
    public UserHandle WithSuffix(string suffix) => From($"{Value}-{suffix}");

    public override string ToString() => Value;

    [GeneratedRegex("^[a-z]([a-z0-9-]*[a-z0-9])?$", RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();
}
