using System.Diagnostics;
using Xunit;

namespace CleanScheduler.TestSupport;

/// <summary>
/// The operator as it ships: the Native AOT executable that <c>scripts/test.sh</c> publishes and names in
/// <c>CLEANSCHEDULER_TEST_OPERATOR</c>; without it (a local <c>dotnet test</c>), the IL build on the dotnet host. Under
/// CI=true the native executable is required, so CI always tests what the image runs.
/// </summary>
public static class OperatorBinary
{
    public const string Variable = "CLEANSCHEDULER_TEST_OPERATOR";

    public static ProcessStartInfo StartInfo(params string[] args)
    {
        if (Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } native)
        {
            Assert.True(File.Exists(native), $"{Variable}={native}: no such file");
            return new ProcessStartInfo(native, args);
        }
        Assert.False(Environment.GetEnvironmentVariable("CI") == "true", $"CI=true needs {Variable} (scripts/test.sh publishes the native operator)");
        var sep = Path.DirectorySeparatorChar;
        var testsAt = AppContext.BaseDirectory.IndexOf($"{sep}tests{sep}", StringComparison.Ordinal);
        var project = AppContext.BaseDirectory[(testsAt + 7)..].Split(sep)[0];
        var dll = Path.Combine(AppContext.BaseDirectory.Replace($"{sep}tests{sep}{project}{sep}", $"{sep}src{sep}Operator{sep}"), "CleanScheduler.Operator.dll");
        Assert.True(File.Exists(dll), $"operator not built at {dll}");
        return new ProcessStartInfo("dotnet", [dll, .. args]);
    }
}
