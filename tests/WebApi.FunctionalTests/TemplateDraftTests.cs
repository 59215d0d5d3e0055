using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;
using CleanScheduler.Application.Features.Templates;
using CleanScheduler.TestSupport;
using static CleanScheduler.WebApi.FunctionalTests.Api;

namespace CleanScheduler.WebApi.FunctionalTests;

/// <summary>The server with ANTHROPIC_API_KEY set and the Anthropic package pointed at a local Messages API.</summary>
public sealed class TemplateDraftFactory : ApiFactory
{
    public const string ApiKey = "sk-ant-test-key";
    public const int PerHour = 3;
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(2);

    public FakeAnthropicServer Claude { get; private set; } = null!;

    protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>(base.Settings)
    {
        ["ANTHROPIC_API_KEY"] = ApiKey,
        ["ANTHROPIC_BASE_URL"] = Claude.Address.ToString(),
        ["ANTHROPIC_MODEL"] = "claude-test-1",
        ["ANTHROPIC_TIMEOUT"] = $"{Timeout.TotalSeconds}s",
        ["ANTHROPIC_DRAFTS_PER_HOUR"] = PerHour.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    public override async Task InitializeAsync()
    {
        Claude = await FakeAnthropicServer.StartAsync(ApiKey);
        await base.InitializeAsync();
    }

    protected override async Task DisposePeersAsync() => await Claude.DisposeAsync();
}

public sealed class TemplateDraftTests(TemplateDraftFactory factory) : IClassFixture<TemplateDraftFactory>
{
    private const string Prompt = "a web app with PostgreSQL and Redis";
    private const string Invalid = "services:\n  - name: web\n    imagee: nginx:1.27\n";
    private const string Valid = "services:\n  - name: web\n    image: nginx:1.27\n    ports:\n      - { name: http, port: 80, public: true }\n";

    private async Task<(Api Owner, string Team)> BusinessTeamAsync()
    {
        var owner = factory.As(ApiFactory.NewEmail("drafter"));
        var (org, team) = await owner.CreateOrgAsync();
        var admin = factory.As(ApiFactory.PlatformAdmin);
        await admin.ExpectAsync(admin.PutAsync($"/api/orgs/{org}/plan", new { plan = "business" }), HttpStatusCode.OK);
        return (owner, team);
    }

    private List<JsonObject> Drain()
    {
        var requests = new List<JsonObject>();
        while (factory.Claude.Requests.TryDequeue(out var request)) requests.Add(request);
        return requests;
    }

    [Fact]
    public async Task A_first_invalid_draft_is_repaired_with_the_parsers_line_numbered_errors()
    {
        var (owner, team) = await BusinessTeamAsync();
        Drain();
        factory.Claude.Reply(Invalid);
        factory.Claude.Reply("Here it is:\n```yaml\n" + Valid + "```\n");

        var draft = await owner.ExpectAsync(owner.PostAsync("/api/templates/drafts", new { teamId = team, prompt = Prompt }), HttpStatusCode.OK);

        Assert.True(draft.GetProperty("valid").GetBoolean());
        Assert.Equal(Valid, draft.GetProperty("spec").GetString());
        Assert.Equal(1, draft.GetProperty("repairRounds").GetInt32());
        Assert.Empty(draft.GetProperty("errors").EnumerateArray());
        var requests = Drain();
        Assert.Equal(2, requests.Count);
        Assert.All(requests, r => Assert.Equal("claude-test-1", r["model"]!.GetValue<string>()));
        Assert.All(requests, r => Assert.Equal(TemplateDraftPrompt.Instructions, r["system"]!.GetValue<string>()));
        var first = requests[0]["messages"]!.AsArray();
        Assert.Equal("""[{"role":"user","content":"a web app with PostgreSQL and Redis"}]""", first.ToJsonString());   // the caller's words, nothing else
        var repair = requests[1]["messages"]!.AsArray();
        Assert.Equal(["user", "assistant", "user"], repair.Select(m => m!["role"]!.GetValue<string>()));
        Assert.Equal(Invalid, repair[1]!["content"]!.GetValue<string>());
        Assert.Contains("line 3, column 5: services[0]", repair[2]!["content"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_draft_loop_gives_up_after_two_repair_rounds_and_returns_the_last_draft_with_its_errors()
    {
        var (owner, team) = await BusinessTeamAsync();
        Drain();
        for (var i = 0; i < 3; i++) factory.Claude.Reply(Invalid);

        var draft = await owner.ExpectAsync(owner.PostAsync("/api/templates/drafts", new { teamId = team, prompt = Prompt }), HttpStatusCode.OK);

        Assert.False(draft.GetProperty("valid").GetBoolean());
        Assert.Equal(2, draft.GetProperty("repairRounds").GetInt32());
        Assert.Equal(Invalid, draft.GetProperty("spec").GetString());
        Assert.Contains(draft.GetProperty("errors").EnumerateArray(), e => e.GetProperty("line").GetInt32() == 3 && e.GetProperty("path").GetString()!.StartsWith("services[0]", StringComparison.Ordinal));
        Assert.Equal(3, Drain().Count);
    }

    [Fact]
    public async Task A_draft_that_takes_longer_than_the_timeout_answers_504()
    {
        var (owner, team) = await BusinessTeamAsync();
        factory.Claude.Delay = TimeSpan.FromSeconds(20);
        try
        {
            var clock = Stopwatch.StartNew();
            await ProblemAsync(owner.PostAsync("/api/templates/drafts", new { teamId = team, prompt = Prompt }), HttpStatusCode.GatewayTimeout, "ai.timeout");
            Assert.InRange(clock.Elapsed, TemplateDraftFactory.Timeout, TimeSpan.FromSeconds(15));
        }
        finally
        {
            factory.Claude.Delay = TimeSpan.Zero;
        }
    }

    [Fact]
    public async Task A_model_error_answers_503_without_its_details()
    {
        var (owner, team) = await BusinessTeamAsync();
        factory.Claude.Fail(529);
        factory.Claude.Fail(529);   // the one retry

        var problem = await ProblemAsync(owner.PostAsync("/api/templates/drafts", new { teamId = team, prompt = Prompt }), HttpStatusCode.ServiceUnavailable, "ai.unavailable");

        Assert.DoesNotContain("Injected", problem.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Drafts_are_rate_limited_per_user()
    {
        var (owner, team) = await BusinessTeamAsync();
        for (var i = 0; i < TemplateDraftFactory.PerHour; i++)
        {
            factory.Claude.Reply(Valid);
            await owner.ExpectAsync(owner.PostAsync("/api/templates/drafts", new { teamId = team, prompt = Prompt }), HttpStatusCode.OK);
        }

        using var limited = await owner.PostAsync("/api/templates/drafts", new { teamId = team, prompt = Prompt });
        await ProblemAsync(Task.FromResult(limited), (HttpStatusCode)429, "ai.rate_limited");

        Assert.True(int.Parse(limited.Headers.GetValues("Retry-After").Single(), System.Globalization.CultureInfo.InvariantCulture) is > 0 and <= 3600);
        var (other, otherTeam) = await BusinessTeamAsync();
        factory.Claude.Reply(Valid);
        await other.ExpectAsync(other.PostAsync("/api/templates/drafts", new { teamId = otherTeam, prompt = Prompt }), HttpStatusCode.OK);
    }

    [Fact]
    public async Task Drafts_need_templates_create_on_a_team_of_the_callers_organization_and_a_plan_with_custom_templates()
    {
        var (_, team) = await BusinessTeamAsync();
        var stranger = factory.As(ApiFactory.NewEmail("stranger"));
        var free = factory.As(ApiFactory.NewEmail("free"));
        var (_, freeTeam) = await free.CreateOrgAsync();
        Drain();

        await ProblemAsync(stranger.PostAsync("/api/templates/drafts", new { teamId = team, prompt = Prompt }), HttpStatusCode.NotFound);
        await ProblemAsync(free.PostAsync("/api/templates/drafts", new { teamId = freeTeam, prompt = Prompt }), HttpStatusCode.Conflict, "tier.custom_templates");

        Assert.Empty(Drain());
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData(null)]
    public async Task An_empty_description_is_refused(string? prompt)
    {
        var (owner, team) = await BusinessTeamAsync();

        await ValidationProblemAsync(owner.PostAsync("/api/templates/drafts", new { teamId = team, prompt }), "prompt");
    }

    [Fact]
    public async Task A_description_longer_than_the_limit_is_refused_before_the_model_is_asked()
    {
        var (owner, team) = await BusinessTeamAsync();
        Drain();

        await ValidationProblemAsync(owner.PostAsync("/api/templates/drafts",
            new { teamId = team, prompt = new string('x', TemplateDraftOptions.MaxPromptLength + 1) }), "prompt");

        Assert.Empty(Drain());
    }

    [Fact]
    public async Task Me_says_that_drafts_are_available()
    {
        var user = factory.As(ApiFactory.NewEmail("me"));

        var me = await user.ExpectAsync(user.GetAsync("/api/me"), HttpStatusCode.OK);

        Assert.True(me.GetProperty("capabilities").GetProperty("templateDrafts").GetBoolean());
    }
}

/// <summary>Without ANTHROPIC_API_KEY the feature does not exist.</summary>
public sealed class TemplateDraftsWithoutKeyTests(ApiFactory factory) : IClassFixture<ApiFactory>
{
    [Fact]
    public async Task Without_a_key_drafts_answer_404_and_me_says_they_are_off()
    {
        var owner = factory.As(ApiFactory.NewEmail("owner"));
        var (_, team) = await owner.CreateOrgAsync();

        var me = await owner.ExpectAsync(owner.GetAsync("/api/me"), HttpStatusCode.OK);
        await ProblemAsync(owner.PostAsync("/api/templates/drafts", new { teamId = team, prompt = "a web app" }), HttpStatusCode.NotFound, "template_drafts.disabled");

        Assert.False(me.GetProperty("capabilities").GetProperty("templateDrafts").GetBoolean());
    }
}
