using CleanScheduler.Application.Features.Templates;
using CleanScheduler.Domain.Templates;

namespace CleanScheduler.Application.UnitTests;

public sealed class TemplateDraftPromptTests
{
    [Theory]
    [InlineData("services: []", "services: []\n")]
    [InlineData("  services: []\n\n", "services: []\n")]
    [InlineData("Here it is:\n```yaml\nservices: []\n```\nEnjoy.", "services: []\n")]
    [InlineData("```\nservices: []\n```", "services: []\n")]
    [InlineData("```yaml\nservices: []\n", "services: []\n")]   // cut off before the closing fence
    public void The_yaml_of_a_reply_is_the_inside_of_its_fence_or_the_whole_reply(string reply, string yaml) =>
        Assert.Equal(yaml, TemplateDraftPrompt.YamlOf(reply));

    [Fact]
    public void A_repair_names_every_problem_at_its_line_and_column()
    {
        var text = TemplateDraftPrompt.Repair([new SpecError(3, 5, "services[0]", "Unknown key 'imagee'."), new SpecError(2, 5, "services[0].image", "Required.")]);

        Assert.Contains("line 3, column 5: services[0]: Unknown key 'imagee'.", text, StringComparison.Ordinal);
        Assert.Contains("line 2, column 5: services[0].image: Required.", text, StringComparison.Ordinal);
    }

    [Fact]
    public void The_instructions_carry_a_system_template_as_example_and_no_placeholders_of_ours()
    {
        Assert.Contains(SystemTemplates.All[1].Spec, TemplateDraftPrompt.Instructions, StringComparison.Ordinal);
        Assert.Contains("{{ DEPLOYMENT_NAME }}", TemplateDraftPrompt.Instructions, StringComparison.Ordinal);
        Assert.DoesNotContain("{{{", TemplateDraftPrompt.Instructions, StringComparison.Ordinal);
    }
}
