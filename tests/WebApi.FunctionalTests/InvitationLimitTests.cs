using System.Net;
using CleanScheduler.Application.Features.Invitations;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using static CleanScheduler.WebApi.FunctionalTests.Api;

namespace CleanScheduler.WebApi.FunctionalTests;

/// <summary>The mail server with small invitation limits: 2 pending per organization, a 60 s resend cooldown, 5 requests per user and minute.</summary>
public sealed class InvitationLimitFactory : MailApiFactory
{
    public static readonly InvitationLimits Limits = new(PendingPerOrganization: 2, ResendCooldown: TimeSpan.FromSeconds(60), PerUserPerMinute: 5);

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureTestServices(services => services.AddSingleton(Limits));
    }
}

public sealed class InvitationLimitTests(InvitationLimitFactory factory) : IClassFixture<InvitationLimitFactory>
{
    private static object Invite(string name) => new { email = ApiFactory.NewEmail(name), role = "org_member" };

    [Fact]
    public async Task An_organization_has_at_most_the_limit_of_pending_invitations()
    {
        var owner = factory.As(ApiFactory.NewEmail("owner"));
        var (org, _) = await owner.CreateOrgAsync();
        var first = await owner.ExpectAsync(owner.PostAsync($"/api/orgs/{org}/invitations", Invite("a")), HttpStatusCode.Created);
        await owner.ExpectAsync(owner.PostAsync($"/api/orgs/{org}/invitations", Invite("b")), HttpStatusCode.Created);

        await ProblemAsync(owner.PostAsync($"/api/orgs/{org}/invitations", Invite("c")), HttpStatusCode.Conflict, "invitation.limit");
        await owner.ExpectAsync(owner.DeleteAsync($"/api/invitations/{first.GetProperty("id").GetString()}"), HttpStatusCode.NoContent);
        await owner.ExpectAsync(owner.PostAsync($"/api/orgs/{org}/invitations", Invite("d")), HttpStatusCode.Created);
    }

    [Fact]
    public async Task Concurrent_invitations_never_pass_the_limit_together()
    {
        var owner = factory.As(ApiFactory.NewEmail("owner"));
        var (org, _) = await owner.CreateOrgAsync();

        var answers = await Task.WhenAll(Enumerable.Range(0, 5).Select(i => owner.PostAsync($"/api/orgs/{org}/invitations", Invite($"race{i}"))));

        Assert.Equal(InvitationLimitFactory.Limits.PendingPerOrganization, answers.Count(a => a.StatusCode == HttpStatusCode.Created));
        Assert.All(answers.Where(a => a.StatusCode != HttpStatusCode.Created), a => Assert.Equal(HttpStatusCode.Conflict, a.StatusCode));
        var listed = await owner.ExpectAsync(owner.GetAsync($"/api/orgs/{org}/invitations"), HttpStatusCode.OK);
        Assert.Equal(InvitationLimitFactory.Limits.PendingPerOrganization, listed.GetArrayLength());
    }

    [Fact]
    public async Task An_invitation_is_sent_again_at_most_once_per_cooldown()
    {
        var owner = factory.As(ApiFactory.NewEmail("owner"));
        var (org, _) = await owner.CreateOrgAsync();
        var email = ApiFactory.NewEmail("flooded");
        var invitation = await owner.ExpectAsync(owner.PostAsync($"/api/orgs/{org}/invitations", new { email, role = "org_member" }), HttpStatusCode.Created);
        var resend = $"/api/invitations/{invitation.GetProperty("id").GetString()}/resend";
        await factory.MailToAsync(email);   // sent (a resend drops mail not sent yet)

        using var tooSoon = await owner.PostAsync(resend, new { });
        await ProblemAsync(Task.FromResult(tooSoon), (HttpStatusCode)429, "invitation.too_soon");
        await ProblemAsync(owner.PostAsync($"/api/orgs/{org}/invitations", new { email, role = "org_member" }), (HttpStatusCode)429, "invitation.too_soon");
        factory.Clock.Advance(TimeSpan.FromSeconds(61));
        await owner.ExpectAsync(owner.PostAsync(resend, new { }), HttpStatusCode.OK);

        Assert.Equal("60", tooSoon.Headers.GetValues("Retry-After").Single());
        await factory.MailToAsync(email, seen: 1);
        await Task.Delay(300);
        Assert.Equal(2, factory.Smtp.Messages().Count(m => m.To.Mailboxes.Any(a => a.Address == email)));
    }

    [Fact]
    public async Task Invitations_and_resends_are_rate_limited_per_user()
    {
        var owner = factory.As(ApiFactory.NewEmail("owner"));
        var other = factory.As(ApiFactory.NewEmail("other-owner"));
        var (org, _) = await owner.CreateOrgAsync();
        var (otherOrg, _) = await other.CreateOrgAsync();
        var created = await owner.ExpectAsync(owner.PostAsync($"/api/orgs/{org}/invitations", Invite("r1")), HttpStatusCode.Created);
        for (var i = 0; i < 4; i++)   // refused by the cooldown, still counted
            await ProblemAsync(owner.PostAsync($"/api/invitations/{created.GetProperty("id").GetString()}/resend", new { }), (HttpStatusCode)429, "invitation.too_soon");

        using var limited = await owner.PostAsync($"/api/orgs/{org}/invitations", Invite("r3"));
        await ProblemAsync(Task.FromResult(limited), (HttpStatusCode)429, "invitation.rate_limited");

        Assert.True(int.Parse(limited.Headers.GetValues("Retry-After").Single(), System.Globalization.CultureInfo.InvariantCulture) is > 0 and <= 60);
        await other.ExpectAsync(other.PostAsync($"/api/orgs/{otherOrg}/invitations", Invite("r4")), HttpStatusCode.Created);   // per user
    }

    [Theory]
    [InlineData("a..b@example.test")]
    [InlineData(".a@example.test")]
    [InlineData("a.@example.test")]
    public async Task An_address_mail_cannot_be_sent_to_is_refused_at_invitation(string email)
    {
        var owner = factory.As(ApiFactory.NewEmail("owner"));
        var (org, _) = await owner.CreateOrgAsync();

        await ValidationProblemAsync(owner.PostAsync($"/api/orgs/{org}/invitations", new { email, role = "org_member" }), "email");
    }
}
