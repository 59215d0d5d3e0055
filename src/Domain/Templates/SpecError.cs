namespace CleanScheduler.Domain.Templates;

/// <summary>A problem in a template's YAML, where an editor can show it (1-based line and column).</summary>
public sealed record SpecError(int Line, int Column, string Path, string Message)
{
    public override string ToString() => $"line {Line}, column {Column}: {(Path.Length > 0 ? Path + ": " : "")}{Message}";
}

/// <summary>Why a deployment cannot be rendered within the platform's limits: the limit's code, where (a spec path), and a message.</summary>
public sealed record RenderLimitProblem(string Code, string Path, string Message);
