using CleanScheduler.Application.Features.Templates;
using CleanScheduler.Infrastructure.Ai;
using CleanScheduler.TestSupport;

namespace CleanScheduler.Infrastructure.IntegrationTests.Ai;

/// <summary>The adapter over the Anthropic package against a local Messages API that checks key, version and body shape.</summary>
public sealed class AnthropicTemplateDraftModelTests : IAsyncLifetime
{
    private const string Key = "sk-ant-adapter";
    private FakeAnthropicServer _claude = null!;

    public async Task InitializeAsync() => _claude = await FakeAnthropicServer.StartAsync(Key);

    public async Task DisposeAsync() => await _claude.DisposeAsync();

    private AnthropicTemplateDraftModel Model(string key = Key) =>
        new(AnthropicTemplateDraftModel.CreateClient(new AnthropicSettings(key, "claude-test-1", _claude.Address), TimeSpan.FromSeconds(10)), "claude-test-1",
            Microsoft.Extensions.Logging.Abstractions.NullLogger<AnthropicTemplateDraftModel>.Instance);

    [Fact]
    public async Task Sends_the_instructions_as_system_and_the_turns_in_order_and_returns_the_text()
    {
        _claude.Reply("services: []");

        var reply = await Model().ReplyAsync("be brief", [new(false, "a web app"), new(true, "draft"), new(false, "fix line 1")], CancellationToken.None);

        Assert.Equal("services: []", reply);
        Assert.True(_claude.Requests.TryDequeue(out var request));
        Assert.Equal("be brief", request!["system"]!.GetValue<string>());
        Assert.Equal("""[{"role":"user","content":"a web app"},{"role":"assistant","content":"draft"},{"role":"user","content":"fix line 1"}]""",
            request["messages"]!.ToJsonString());
        Assert.Equal(AnthropicTemplateDraftModel.MaxTokens, request["max_tokens"]!.GetValue<int>());
    }

    [Fact]
    public async Task A_refused_key_is_reported_as_unavailable()
    {
        _claude.Reply("never sent");

        await Assert.ThrowsAsync<TemplateDraftUnavailableException>(() => Model("sk-ant-wrong").ReplyAsync("x", [new(false, "y")], CancellationToken.None));
    }
}
