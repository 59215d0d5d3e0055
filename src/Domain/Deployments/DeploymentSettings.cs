using CleanScheduler.Domain.Templates;

namespace CleanScheduler.Domain.Deployments;

/// <summary>One setting of a template, merged across its services (a name may appear in several).</summary>
public sealed record Setting(string Name, string? Default, bool Required, bool Secret, string? Description, IReadOnlyList<string> Services);

/// <summary>The values given for a template's settings, checked and split into plain and secret ones.</summary>
public sealed record ResolvedValues(IReadOnlyDictionary<string, string> Plain, IReadOnlyDictionary<string, string> Secret);

public static class DeploymentSettings
{
    /// <summary>Names every template may use in defaults and config files, filled in at rendering.</summary>
    public static IReadOnlyList<string> BuiltIns { get; } = ["DEPLOYMENT_NAME", "DEPLOYMENT_HOST"];

    public static IReadOnlyList<Setting> Of(TemplateSpec spec) => spec.Services
        .SelectMany(s => s.Env.Select(e => (Service: s.Name, Env: e)))
        .GroupBy(x => x.Env.Name, StringComparer.Ordinal)
        .Select(g => new Setting(
            g.Key,
            g.Select(x => x.Env.Default).FirstOrDefault(d => d is not null),
            g.Any(x => x.Env.Required),
            g.Any(x => x.Env.Secret),
            g.Select(x => x.Env.Description).FirstOrDefault(d => d is not null),
            g.Select(x => x.Service).ToList()))
        .ToList();

    /// <summary>
    /// Checks <paramref name="values"/> against the template's settings: every key must be a setting, every required
    /// setting without a default needs a non-empty value, values are at most 4096 characters without NUL.
    /// Problems are keyed <c>values.NAME</c>. Secret settings named in <paramref name="secretsAlreadySet"/> (and not given
    /// again) keep their stored value and count as set.
    /// </summary>
    public static ResolvedValues Resolve(
        TemplateSpec spec, IReadOnlyDictionary<string, string?> values, out IReadOnlyList<SpecProblem> problems,
        IReadOnlySet<string>? secretsAlreadySet = null)
    {
        var found = new List<SpecProblem>();
        var settings = Of(spec).ToDictionary(s => s.Name, StringComparer.Ordinal);
        var plain = new Dictionary<string, string>(StringComparer.Ordinal);
        var secret = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, value) in values)
        {
            if (!settings.TryGetValue(name, out var setting))
            {
                found.Add(new SpecProblem($"values.{name}", $"'{name}' is not a setting of this template; its settings are: {string.Join(", ", settings.Keys.Order(StringComparer.Ordinal))}."));
                continue;
            }
            if (value is null) continue;
            if (value.Length > TemplateSpecRules.MaxValueLength || value.Contains('\0'))
            {
                found.Add(new SpecProblem($"values.{name}", $"A value has at most {TemplateSpecRules.MaxValueLength} characters and no NUL."));
                continue;
            }
            (setting.Secret ? secret : plain)[name] = value;
        }
        foreach (var setting in settings.Values.Where(s => s.Required && s.Default is null))
            if (!(plain.TryGetValue(setting.Name, out var v) && v.Length > 0) && !(secret.TryGetValue(setting.Name, out var sv) && sv.Length > 0)
                && !(setting.Secret && secretsAlreadySet?.Contains(setting.Name) == true && !values.ContainsKey(setting.Name)))
                found.Add(new SpecProblem($"values.{setting.Name}", $"'{setting.Name}' is required{(setting.Description is null ? "" : $" ({setting.Description})")}."));
        problems = found;
        return new ResolvedValues(plain, secret);
    }
}
