using System.Net;
using CleanScheduler.Application.Common;
using CleanScheduler.Application.Features.Deployments;
using CleanScheduler.WebApi.Endpoints;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.DependencyInjection;

namespace CleanScheduler.WebApi.FunctionalTests;

/// <summary>The list is sent in one write with its length: the same bytes the framework's <see cref="Ok{TValue}"/> writes.</summary>
public sealed class OkSentAtOnceTests(ApiFactory factory) : IClassFixture<ApiFactory>
{
    [Fact]
    public async Task Writes_the_bytes_the_frameworks_ok_result_writes_with_their_length_hostile_strings_included()
    {
        var hostile = "<script>alert('x')</script> & \"quoted\" + é ✓ \u2028\u0001 \\ </";
        var page = new Paged<DeploymentSummary>(
            [.. Enumerable.Range(0, 100).Select(i => new DeploymentSummary(Guid.NewGuid(), Guid.NewGuid(), $"app-{i}", "running", "Pending",
                $"https://h-app-{i}.apps.test", Guid.NewGuid(), hostile + new string('x', i * 10), i, Guid.NewGuid(), DateTimeOffset.UnixEpoch.AddDays(i),
                new DateTimeOffset(2026, 11, 30, 23, 59, 59, 123, TimeSpan.FromHours(i % 3))))], 1, 100, 1234);

        var (expected, _) = await ExecuteAsync(TypedResults.Ok(page));
        var (sent, length) = await ExecuteAsync(new OkSentAtOnce<Paged<DeploymentSummary>>(page));

        Assert.True(sent.Length > 64 * 1024, "the page outgrows the first pooled buffer");   // the buffer's growth is exercised
        Assert.Equal(expected, sent);
        Assert.Equal(sent.Length, length);
    }

    [Fact]
    public async Task The_deployment_list_answers_with_its_content_length()
    {
        var owner = factory.As(ApiFactory.NewEmail("owner"));
        var (_, team) = await owner.CreateOrgAsync();

        using var response = await owner.GetAsync($"/api/deployments?teamId={team}");
        var body = await response.Content.ReadAsByteArrayAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(body.Length, response.Content.Headers.ContentLength);
        Assert.Equal("application/json; charset=utf-8", response.Content.Headers.ContentType?.ToString());
        Assert.StartsWith("{\"items\":[]", System.Text.Encoding.UTF8.GetString(body));
    }

    private async Task<(byte[] Body, long? Length)> ExecuteAsync(IResult result)
    {
        await using var scope = factory.Services.CreateAsyncScope();
        var http = new DefaultHttpContext { RequestServices = scope.ServiceProvider };
        using var body = new MemoryStream();
        http.Response.Body = body;
        await result.ExecuteAsync(http);
        Assert.Equal(StatusCodes.Status200OK, http.Response.StatusCode);
        return (body.ToArray(), http.Response.ContentLength);
    }
}
