using System.Text.Json.Nodes;
using CleanScheduler.Kubernetes;

namespace CleanScheduler.Operator;

/// <summary>
/// <c>render CR.yaml [--template TEMPLATE.yaml] [--domain D] [--cluster-secret-store S] [--disable-network-policies]</c>:
/// the objects the operator would apply for a UserDeployment, as multi-document YAML on stdout. A CR with a templateRef
/// needs the template's YAML (--template); "-" reads the CR from stdin.
/// </summary>
public static class RenderCommand
{
    private const string Usage = "usage: render CR.yaml [--template TEMPLATE.yaml] [--domain apps.example.com] [--cluster-secret-store NAME] [--disable-network-policies]";

    public static int Run(string[] args, TextWriter output, TextWriter error)
    {
        string? file = null, template = null, store = null;
        var domain = Environment.GetEnvironmentVariable("DEPLOYMENT_DOMAIN") is { Length: > 0 } d ? d : "localhost";
        var disablePolicies = false;
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--template" when i + 1 < args.Length: template = args[++i]; break;
                case "--domain" when i + 1 < args.Length: domain = args[++i]; break;
                case "--cluster-secret-store" when i + 1 < args.Length: store = args[++i]; break;
                case "--disable-network-policies": disablePolicies = true; break;
                default:
                    if (args[i].StartsWith("--", StringComparison.Ordinal) || file is not null) { error.WriteLine(Usage); return 2; }
                    file = args[i];
                    break;
            }
        }
        if (file is null) { error.WriteLine(Usage); return 2; }
        try
        {
            var text = file == "-" ? Console.In.ReadToEnd() : File.ReadAllText(file);
            var resource = YamlJson.Documents(text).FirstOrDefault() ?? throw new UserDeploymentSpecException($"{file} holds no object");
            if ((string?)resource["kind"] != "UserDeployment" || (string?)resource["apiVersion"] != CustomResources.ApiVersion)
                throw new UserDeploymentSpecException($"{file} is not a {CustomResources.ApiVersion} UserDeployment");
            var metadata = resource["metadata"] as JsonObject ?? throw new UserDeploymentSpecException("metadata is missing");
            metadata["namespace"] ??= "default";
            var spec = CustomResources.From<UserDeploymentSpec>(resource["spec"]);
            var templateText = template is null ? null : File.ReadAllText(template);
            var input = UserDeploymentInput.From(resource, UserDeploymentInput.Spec(spec, templateText), domain);
            output.Write(YamlJson.Write(ManifestRenderer.Render(input, new RenderOptions(store, disablePolicies))));
            return 0;
        }
        catch (Exception e) when (e is UserDeploymentSpecException or IOException or UnauthorizedAccessException or YamlDotNet.Core.YamlException or System.Text.Json.JsonException)
        {
            error.WriteLine($"render: {e.Message}");
            return 1;
        }
    }
}
