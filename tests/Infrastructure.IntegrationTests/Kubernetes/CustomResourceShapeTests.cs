using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;
using CleanScheduler.Kubernetes;
using CleanScheduler.TestSupport;

namespace CleanScheduler.Infrastructure.IntegrationTests.Kubernetes;

/// <summary>
/// The C# shapes of our custom resources can only write what k8s/crds declares: a server-side apply of any other field
/// is refused by the API server (500 "field not declared in schema", transcript 16), as spec.templateRef.configMapName
/// (a computed property) once was.
/// </summary>
public sealed class CustomResourceShapeTests
{
    [Theory]
    [InlineData(typeof(UserDeploymentResource), "userdeployments.yaml")]
    [InlineData(typeof(AgentTaskResource), "agenttasks.yaml")]
    [InlineData(typeof(WorkflowResource), "workflows.yaml")]
    public void Every_property_a_custom_resource_serializes_is_declared_in_its_CRD(Type type, string file)
    {
        var crd = YamlJson.Documents(File.ReadAllText(Path.Combine(RepoPaths.Crds, file))).Single(d => (string?)d["kind"] == "CustomResourceDefinition");
        var schema = (JsonObject)crd["spec"]!["versions"]![0]!["schema"]!["openAPIV3Schema"]!;
        var undeclared = new List<string>();
        var visited = 0;
        Walk(type, schema, "", undeclared, ref visited);
        Assert.True(visited > 5, $"only {visited} properties walked");
        Assert.Empty(undeclared);
    }

    [Fact]
    public void A_computed_property_is_not_written()
    {
        var reference = new TemplateRef("web", 1);
        Assert.Equal("cs-template-web-v1", reference.ConfigMapName);
        Assert.Equal("""{"name":"web","version":1}""", CustomResources.ToJson(reference).ToJsonString());
        Assert.True(CustomResources.Json.IgnoreReadOnlyProperties);   // the contract drops any get-only property
        // Only the declared resource types have a contract (generated at build time, no reflection): anything else fails loudly.
        Assert.Throws<NotSupportedException>(() => CustomResources.ToJson(new WithComputed("x")));
    }

    private sealed record WithComputed(string Name)
    {
        public string Derived => Name + "-derived";
    }

    private static void Walk(Type type, JsonObject schema, string path, List<string> undeclared, ref int visited)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        if (type == typeof(string) || type.IsPrimitive || type == typeof(DateTimeOffset) || typeof(JsonNode).IsAssignableFrom(type)) return;
        if (type.IsGenericType && type.GetGenericArguments() is { Length: 2 }) return;   // a map: additionalProperties
        if (type.IsGenericType && type.GetGenericArguments() is [var element])
        {
            Assert.True(schema["items"] is JsonObject, $"{path} is a list, the CRD has no items for it");
            Walk(element, (JsonObject)schema["items"]!, path + "[]", undeclared, ref visited);
            return;
        }
        var info = CustomResources.Json.GetTypeInfo(type);
        Assert.Equal(JsonTypeInfoKind.Object, info.Kind);
        foreach (var property in info.Properties)
        {
            if (property.Get is null || (property.Set is null && CustomResources.Json.IgnoreReadOnlyProperties)) continue;   // never written
            if (path.Length == 0 && property.Name is "apiVersion" or "kind" or "metadata") continue;   // not in the schema: typed by the server
            visited++;
            if (schema["properties"]?[property.Name] is JsonObject declared) Walk(property.PropertyType, declared, $"{path}.{property.Name}", undeclared, ref visited);
            else undeclared.Add($"{path}.{property.Name}");
        }
    }
}
