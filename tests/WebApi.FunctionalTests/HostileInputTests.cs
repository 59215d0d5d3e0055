using System.Net;
using System.Text;

namespace CleanScheduler.WebApi.FunctionalTests;

/// <summary>No request body of any shape produces a 5xx; every refusal is a ProblemDetails.</summary>
public sealed class HostileInputTests(ApiFactory factory) : IClassFixture<ApiFactory>
{
    public static TheoryData<string, string> Bodies() => new()
    {
        { "empty", "" },
        { "open brace", "{" },
        { "array", "[]" },
        { "null", "null" },
        { "string", "\"hello\"" },
        { "number", "1e999" },
        { "nul in name", """{"name":"a\u0000b","slug":"nul-slug"}""" },
        { "lone surrogate", """{"name":"\uD800","email":"\uDFFF@x.io","role":"viewer"}""" },
        { "duplicate keys", """{"name":"a","name":"b","slug":"dup-keys"}""" },
        { "deep nesting", new string('[', 5000) + new string(']', 5000) },
        { "deep object", string.Concat(Enumerable.Repeat("{\"a\":", 200)) + "1" + new string('}', 200) },
        { "wrong types everywhere", """{"name":[1,2],"slug":{},"email":false,"role":12,"plan":null}""" },
        { "huge number", """{"name":123456789012345678901234567890}""" },
        { "long string", "{\"name\":\"" + new string('x', 200_000) + "\"}" },
        { "control characters", "{\"name\":\"\t\r\n\",\"email\":\"\\n@x.y\",\"role\":\"viewer\\u0000\"}" },
        { "sql-ish", """{"name":"'; DROP TABLE users; --","slug":"x' OR '1'='1","email":"a@b.c' --","role":"viewer' OR 1=1"}""" },
        { "invalid utf8", "{\"name\":\"\xff\xfe\"}" },
        { "trailing garbage", """{"name":"ok","slug":"ok-slug"} trailing""" },
    };

    [Theory, MemberData(nameof(Bodies))]
    public async Task No_body_makes_any_endpoint_fail_with_a_server_error(string label, string body)
    {
        var owner = factory.As(ApiFactory.NewEmail("fuzz"));
        var (org, team) = await owner.CreateOrgAsync($"Fuzz {label}");
        var userId = await owner.UserIdAsync();

        foreach (var route in RouteCatalog.ApiRoutes(factory.Services).Where(r => r.HasBody))
        {
            using var request = new HttpRequestMessage(new HttpMethod(route.Method), route.Fill(org, team, userId))
            {
                Content = new ByteArrayContent(Encoding.Latin1.GetBytes(body)) { Headers = { { "Content-Type", "application/json" } } },
            };
            using var response = await owner.Http.SendAsync(request);
            var text = await response.Content.ReadAsStringAsync();

            Assert.True((int)response.StatusCode < 500, $"{route} with {label}: {(int)response.StatusCode} {text}");
            if (!response.IsSuccessStatusCode)
                Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        }
    }

    [Theory]
    [InlineData("/api/orgs/not-a-guid")]
    [InlineData("/api/teams/123/members")]
    [InlineData("/api/orgs/00000000-0000-0000-0000-000000000000")]
    [InlineData("/api/teams/..%2F..%2Fetc%2Fpasswd")]
    public async Task Malformed_or_unknown_ids_answer_404(string path) =>
        await Api.ProblemAsync(factory.As(ApiFactory.NewEmail("ids")).GetAsync(path), HttpStatusCode.NotFound);

    [Theory]
    [InlineData("?page=-1")]
    [InlineData("?page=99999999999")]
    [InlineData("?pageSize=abc")]
    [InlineData("?page=1.5")]
    public async Task Bad_paging_answers_400(string query)
    {
        var owner = factory.As(ApiFactory.NewEmail("paging"));

        await Api.ProblemAsync(owner.GetAsync("/api/orgs" + query), HttpStatusCode.BadRequest, "validation.failed");
    }

    [Fact]
    public async Task A_page_past_the_end_is_empty_not_an_error()
    {
        var owner = factory.As(ApiFactory.NewEmail("pastend"));
        await owner.CreateOrgAsync();

        var page = await owner.ExpectAsync(owner.GetAsync("/api/orgs?page=1000000&pageSize=100"), HttpStatusCode.OK);

        Assert.Empty(page.GetProperty("items").EnumerateArray());
        Assert.Equal(1, page.GetProperty("total").GetInt32());
    }
}
