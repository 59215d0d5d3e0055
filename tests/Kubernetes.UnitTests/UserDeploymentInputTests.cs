using System.Text.Json.Nodes;

namespace CleanScheduler.Kubernetes.UnitTests;

public sealed class UserDeploymentInputTests
{
    private static JsonObject Resource(JsonObject? status) => new()
    {
        ["apiVersion"] = CustomResources.ApiVersion,
        ["kind"] = "UserDeployment",
        ["metadata"] = new JsonObject { ["name"] = "web", ["namespace"] = "team-a", ["generation"] = 3 },
        ["spec"] = new JsonObject
        {
            ["desiredState"] = "running",
            ["services"] = new JsonArray(new JsonObject { ["name"] = "web", ["image"] = "nginx:1.27" }),
        },
        ["status"] = status,
    };

    [Fact]
    public void A_status_with_fields_of_the_wrong_type_does_not_stop_the_render()
    {
        // The status is the operator's output, but anyone with access to the cluster can edit it.
        var broken = new JsonObject { ["observedRevision"] = "seven", ["conditions"] = "none", ["observedGeneration"] = new JsonArray() };
        var resource = Resource(broken);
        var spec = UserDeploymentInput.Spec(CustomResources.From<UserDeploymentSpec>(resource["spec"]), null);

        var input = UserDeploymentInput.From(resource, spec, "apps.test");

        Assert.Equal("web", input.Name);
        Assert.Equal("team-a", input.Namespace);
        Assert.Contains(ManifestRenderer.Render(input, new RenderOptions()), o => (string?)o["kind"] == "Deployment");
    }

    [Fact]
    public void A_resource_without_a_spec_is_an_invalid_spec()
    {
        var resource = Resource(null);
        var spec = UserDeploymentInput.Spec(CustomResources.From<UserDeploymentSpec>(resource["spec"]), null);
        resource.Remove("spec");

        var error = Assert.Throws<UserDeploymentSpecException>(() => UserDeploymentInput.From(resource, spec, "apps.test"));

        Assert.Equal("spec is missing", error.Message);
    }
}
