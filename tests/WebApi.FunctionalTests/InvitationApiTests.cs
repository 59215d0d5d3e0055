using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using CleanScheduler.TestSupport;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using MimeKit;
using static CleanScheduler.WebApi.FunctionalTests.Api;

namespace CleanScheduler.WebApi.FunctionalTests;

/// <summary>The server sending its mail to a real SMTP server (npm smtp-server with AUTH), on a clock the tests can move.</summary>
public class MailApiFactory : ApiFactory
{
    private SmtpTestServer? _smtp;

    public SmtpTestServer Smtp => _smtp ?? throw new InvalidOperationException("Not started.");
    public FakeTimeProvider Clock { get; } = new(DateTimeOffset.UtcNow);

    protected virtual int SmtpPort => Smtp.Port;

    /// <summary>Whether the server runs on <see cref="Clock"/> (which stands still unless a test moves it).</summary>
    protected virtual bool UsesFakeClock => true;

    protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>(base.Settings)
    {
        ["EMAIL_PROVIDER"] = "smtp",
        ["EMAIL_FROM"] = "CleanScheduler <noreply@platform.test>",
        ["SMTP_HOST"] = "127.0.0.1",
        ["SMTP_PORT"] = SmtpPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["SMTP_USERNAME"] = SmtpTestServer.User,
        ["SMTP_PASSWORD"] = SmtpTestServer.Password,
        ["EMAIL_RETRY_DELAY"] = "200ms",
    };

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        if (UsesFakeClock) builder.ConfigureServices(services => services.AddSingleton<TimeProvider>(Clock));
    }

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        _smtp = await SmtpTestServer.StartAsync();
    }

    protected override async Task DisposePeersAsync()
    {
        if (_smtp is not null) await _smtp.DisposeAsync();
    }

    /// <summary>Waits for the next mail to <paramref name="to"/> beyond the <paramref name="seen"/> ones already read.</summary>
    public async Task<MimeMessage> MailToAsync(string to, int seen = 0)
    {
        var until = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            var mails = Smtp.Messages().Where(m => m.To.Mailboxes.Any(a => a.Address == to)).ToList();
            if (mails.Count > seen) return mails[seen];
            Assert.True(DateTime.UtcNow < until, $"no mail #{seen + 1} to {to} at the SMTP server");
            await Task.Delay(100);
        }
    }

    public static string TokenOf(MimeMessage mail) =>
        Regex.Match(mail.TextBody ?? "", @"http://localhost:8081/invitations/(?<token>[A-Za-z0-9_-]{43})\b") is { Success: true } m
            ? m.Groups["token"].Value
            : throw new Xunit.Sdk.XunitException($"no invitation link in: {mail.TextBody}");
}

public sealed class InvitationApiTests(MailApiFactory factory) : IClassFixture<MailApiFactory>
{
    private readonly Api _owner = factory.As(ApiFactory.NewEmail("owner"));
    private readonly Api _admin = factory.As(ApiFactory.PlatformAdmin);

    private async Task<(string Org, string Team)> BusinessOrgAsync()
    {
        var (org, team) = await _owner.CreateOrgAsync();
        await _admin.ExpectAsync(_admin.PutAsync($"/api/orgs/{org}/plan", new { plan = "business" }), HttpStatusCode.OK);
        return (org, team);
    }

    private async Task<(JsonElement Invitation, string Token)> InviteToTeamAsync(string team, string email, string role = "developer")
    {
        var invitation = await _owner.ExpectAsync(_owner.PostAsync($"/api/teams/{team}/invitations", new { email, role }), HttpStatusCode.Created);
        return (invitation, MailApiFactory.TokenOf(await factory.MailToAsync(email.ToLowerInvariant())));
    }

    private static string[] Emails(JsonElement page) =>
        page.GetProperty("items").EnumerateArray().Select(m => m.GetProperty("email").GetString()!).ToArray();

    [Fact]
    public async Task The_invitee_gets_a_branded_mail_and_joins_the_team_through_its_link_once()
    {
        var (_, team) = await BusinessOrgAsync();
        var bob = factory.As(ApiFactory.NewEmail("bob"));

        var (invitation, token) = await InviteToTeamAsync(team, bob.Email);
        var mail = await factory.MailToAsync(bob.Email);
        var preview = await factory.Anonymous().ExpectAsync(factory.Anonymous().GetAsync($"/api/invitations/by-token/{token}"), HttpStatusCode.OK);
        var accepted = await bob.ExpectAsync(bob.PostAsync("/api/invitations/accept", new { token }), HttpStatusCode.OK);

        Assert.Equal("pending", invitation.GetProperty("status").GetString());
        Assert.Equal("team", invitation.GetProperty("targetType").GetString());
        Assert.Equal(team, invitation.GetProperty("targetId").GetString());
        Assert.Equal(_owner.Email, invitation.GetProperty("invitedBy").GetString());
        Assert.False(invitation.TryGetProperty("token", out _));
        Assert.Contains("CleanScheduler", mail.Subject);
        Assert.Contains("noreply@platform.test", mail.From.ToString());
        Assert.Contains("#4f46e5", mail.HtmlBody);   // the platform's colour (no white-label client)
        Assert.Contains($"/invitations/{token}", mail.HtmlBody);
        Assert.Equal("developer", preview.GetProperty("role").GetString());
        Assert.Equal("Default", preview.GetProperty("teamName").GetString());
        Assert.Equal("pending", preview.GetProperty("status").GetString());
        Assert.Equal(team, accepted.GetProperty("teamId").GetString());
        Assert.Contains(bob.Email, Emails(await _owner.ExpectAsync(_owner.GetAsync($"/api/teams/{team}/members"), HttpStatusCode.OK)));
        await ProblemAsync(bob.PostAsync("/api/invitations/accept", new { token }), HttpStatusCode.Gone, "invitation.accepted");
        Assert.Equal("accepted", (await bob.ExpectAsync(bob.GetAsync($"/api/invitations/by-token/{token}"), HttpStatusCode.OK)).GetProperty("status").GetString());
        Assert.Empty((await _owner.ExpectAsync(_owner.GetAsync($"/api/teams/{team}/invitations"), HttpStatusCode.OK)).EnumerateArray());
    }

    [Fact]
    public async Task A_white_label_clients_organization_sends_mail_in_its_brand_with_links_to_its_host()
    {
        var host = $"c{Guid.NewGuid():N}"[..12] + ".partner.test";
        await _admin.ExpectAsync(_admin.PostAsync("/api/clients", new
        {
            name = "Partner", domains = new[] { host }, branding = new { displayName = "Partner <Cloud>", logoUrl = "https://partner.test/logo.svg", primaryColor = "#0f766e" },
        }), HttpStatusCode.Created);
        var owner = factory.As(ApiFactory.NewEmail("partner-owner"));
        owner.Http.DefaultRequestHeaders.Host = host;
        var (org, _) = await owner.CreateOrgAsync("Client org");
        var invitee = ApiFactory.NewEmail("pat");

        await owner.ExpectAsync(owner.PostAsync($"/api/orgs/{org}/invitations", new { email = invitee, role = "org_member" }), HttpStatusCode.Created);

        var mail = await factory.MailToAsync(invitee);
        Assert.Contains("Partner <Cloud>", mail.Subject);
        Assert.DoesNotContain("Client org", mail.Subject);   // names the inviter chose are in the body only
        Assert.Contains("Client org", mail.TextBody);
        Assert.Matches($@"http://{Regex.Escape(host)}:8081/invitations/[A-Za-z0-9_-]{{43}}", mail.TextBody);
        Assert.Contains("Partner &lt;Cloud&gt;", mail.HtmlBody);   // names are escaped in HTML
        Assert.Contains("#0f766e", mail.HtmlBody);
        Assert.Contains("https://partner.test/logo.svg", mail.HtmlBody);
        Assert.DoesNotContain("localhost:8081", mail.TextBody);
    }

    [Fact]
    public async Task Only_the_invited_address_can_accept_in_any_letter_case()
    {
        var (_, team) = await BusinessOrgAsync();
        var invitee = ApiFactory.NewEmail("Carol");
        var (_, token) = await InviteToTeamAsync(team, invitee);

        await ProblemAsync(factory.As(ApiFactory.NewEmail("mallory")).PostAsync("/api/invitations/accept", new { token }),
            HttpStatusCode.Forbidden, "invitation.wrong_email");
        await factory.As(invitee.ToUpperInvariant()).ExpectAsync(factory.As(invitee.ToUpperInvariant()).PostAsync("/api/invitations/accept", new { token }), HttpStatusCode.OK);
    }

    [Fact]
    public async Task An_invitation_expires_after_seven_days()
    {
        var (org, _) = await _owner.CreateOrgAsync();
        var dave = factory.As(ApiFactory.NewEmail("dave"));
        await _owner.ExpectAsync(_owner.PostAsync($"/api/orgs/{org}/invitations", new { email = dave.Email, role = "org_admin" }), HttpStatusCode.Created);
        var token = MailApiFactory.TokenOf(await factory.MailToAsync(dave.Email));

        factory.Clock.Advance(TimeSpan.FromDays(7).Add(TimeSpan.FromSeconds(1)));   // the other tests of the class run on from there

        Assert.Equal("expired", (await dave.ExpectAsync(dave.GetAsync($"/api/invitations/by-token/{token}"), HttpStatusCode.OK)).GetProperty("status").GetString());
        await ProblemAsync(dave.PostAsync("/api/invitations/accept", new { token }), HttpStatusCode.Gone, "invitation.expired");
        var listed = Assert.Single((await _owner.ExpectAsync(_owner.GetAsync($"/api/orgs/{org}/invitations"), HttpStatusCode.OK)).EnumerateArray());
        Assert.Equal("expired", listed.GetProperty("status").GetString());
    }

    [Fact]
    public async Task An_org_invitation_makes_the_invitee_a_member_with_the_invited_role()
    {
        var (org, _) = await _owner.CreateOrgAsync();
        var erin = factory.As(ApiFactory.NewEmail("erin"));
        await _owner.ExpectAsync(_owner.PostAsync($"/api/orgs/{org}/invitations", new { email = erin.Email, role = "org_admin" }), HttpStatusCode.Created);

        await erin.ExpectAsync(erin.PostAsync("/api/invitations/accept", new { token = MailApiFactory.TokenOf(await factory.MailToAsync(erin.Email)) }), HttpStatusCode.OK);

        var me = await erin.ExpectAsync(erin.GetAsync("/api/me"), HttpStatusCode.OK);
        Assert.Equal("org_admin", Assert.Single(me.GetProperty("organizations").EnumerateArray()).GetProperty("role").GetString());
    }

    [Fact]
    public async Task Invitations_of_an_admin_demoted_since_no_longer_work_for_the_organization_or_a_team()
    {
        var (org, team) = await BusinessOrgAsync();
        var admin = factory.As(ApiFactory.NewEmail("admin"));
        await _owner.ExpectAsync(_owner.PostAsync($"/api/orgs/{org}/invitations", new { email = admin.Email, role = "org_admin" }), HttpStatusCode.Created);
        await admin.ExpectAsync(admin.PostAsync("/api/invitations/accept", new { token = MailApiFactory.TokenOf(await factory.MailToAsync(admin.Email)) }), HttpStatusCode.OK);
        var ivy = factory.As(ApiFactory.NewEmail("ivy"));
        var jay = factory.As(ApiFactory.NewEmail("jay"));
        await admin.ExpectAsync(admin.PostAsync($"/api/orgs/{org}/invitations", new { email = ivy.Email, role = "org_member" }), HttpStatusCode.Created);
        await admin.ExpectAsync(admin.PostAsync($"/api/teams/{team}/invitations", new { email = jay.Email, role = "viewer" }), HttpStatusCode.Created);
        var (ivyToken, jayToken) = (MailApiFactory.TokenOf(await factory.MailToAsync(ivy.Email)), MailApiFactory.TokenOf(await factory.MailToAsync(jay.Email)));

        await _owner.ExpectAsync(_owner.PatchAsync($"/api/orgs/{org}/members/{await admin.UserIdAsync()}", new { role = "org_member" }), HttpStatusCode.OK);

        await ProblemAsync(ivy.PostAsync("/api/invitations/accept", new { token = ivyToken }), HttpStatusCode.Gone, "invitation.revoked");
        await ProblemAsync(jay.PostAsync("/api/invitations/accept", new { token = jayToken }), HttpStatusCode.Gone, "invitation.revoked");
        Assert.DoesNotContain(jay.Email, Emails(await _owner.ExpectAsync(_owner.GetAsync($"/api/teams/{team}/members"), HttpStatusCode.OK)));
    }

    [Fact]
    public async Task A_team_that_filled_up_after_the_invitation_refuses_the_acceptance()
    {
        var (_, team) = await BusinessOrgAsync();   // 10 members per team, the owner is one
        var late = factory.As(ApiFactory.NewEmail("late"));
        var (_, token) = await InviteToTeamAsync(team, late.Email);
        for (var i = 0; i < 9; i++)
            await _owner.ExpectAsync(_owner.PostAsync($"/api/teams/{team}/members", new { email = (await factory.SignedUpAsync("m")).Email, role = "viewer" }), HttpStatusCode.Created);

        await ProblemAsync(late.PostAsync("/api/invitations/accept", new { token }), HttpStatusCode.Conflict, "tier.team_member_limit");
        await ProblemAsync(_owner.PostAsync($"/api/teams/{team}/invitations", new { email = ApiFactory.NewEmail("x"), role = "viewer" }),
            HttpStatusCode.Conflict, "tier.team_member_limit");

        Assert.Equal("pending", (await late.ExpectAsync(late.GetAsync($"/api/invitations/by-token/{token}"), HttpStatusCode.OK)).GetProperty("status").GetString());
    }

    [Fact]
    public async Task Inviting_twice_sends_the_invitation_again_with_a_new_link()
    {
        var (_, team) = await BusinessOrgAsync();
        var frank = factory.As(ApiFactory.NewEmail("frank"));
        var (first, oldToken) = await InviteToTeamAsync(team, frank.Email);

        factory.Clock.Advance(TimeSpan.FromMinutes(1));   // past the resend cooldown
        var again = await _owner.ExpectAsync(_owner.PostAsync($"/api/teams/{team}/invitations", new { email = frank.Email.ToUpperInvariant(), role = "viewer" }), HttpStatusCode.OK);
        var secondToken = MailApiFactory.TokenOf(await factory.MailToAsync(frank.Email, seen: 1));
        factory.Clock.Advance(TimeSpan.FromMinutes(1));
        var resent = await _owner.ExpectAsync(_owner.PostAsync($"/api/invitations/{first.GetProperty("id").GetString()}/resend", new { }), HttpStatusCode.OK);
        var thirdToken = MailApiFactory.TokenOf(await factory.MailToAsync(frank.Email, seen: 2));

        Assert.Equal(first.GetProperty("id").GetString(), again.GetProperty("id").GetString());
        Assert.Equal("developer", again.GetProperty("role").GetString());   // the pending invitation is resent as it was
        Assert.Equal(first.GetProperty("id").GetString(), resent.GetProperty("id").GetString());
        Assert.Equal(3, new[] { oldToken, secondToken, thirdToken }.Distinct().Count());
        await ProblemAsync(frank.PostAsync("/api/invitations/accept", new { token = oldToken }), HttpStatusCode.NotFound, "invitation.not_found");
        await ProblemAsync(frank.PostAsync("/api/invitations/accept", new { token = secondToken }), HttpStatusCode.NotFound, "invitation.not_found");
        await frank.ExpectAsync(frank.PostAsync("/api/invitations/accept", new { token = thirdToken }), HttpStatusCode.OK);
    }

    [Fact]
    public async Task A_revoked_invitation_leaves_the_list_and_its_link_stops_working()
    {
        var (_, team) = await BusinessOrgAsync();
        var gina = factory.As(ApiFactory.NewEmail("gina"));
        var (invitation, token) = await InviteToTeamAsync(team, gina.Email);
        var id = invitation.GetProperty("id").GetString();

        await _owner.ExpectAsync(_owner.DeleteAsync($"/api/invitations/{id}"), HttpStatusCode.NoContent);

        Assert.Empty((await _owner.ExpectAsync(_owner.GetAsync($"/api/teams/{team}/invitations"), HttpStatusCode.OK)).EnumerateArray());
        await ProblemAsync(gina.PostAsync("/api/invitations/accept", new { token }), HttpStatusCode.Gone, "invitation.revoked");
        await ProblemAsync(_owner.DeleteAsync($"/api/invitations/{id}"), HttpStatusCode.Conflict, "invitation.not_pending");
        await ProblemAsync(_owner.PostAsync($"/api/invitations/{id}/resend", new { }), HttpStatusCode.Conflict, "invitation.not_pending");
    }

    [Fact]
    public async Task Declining_needs_no_account()
    {
        var (_, team) = await BusinessOrgAsync();
        var (_, token) = await InviteToTeamAsync(team, ApiFactory.NewEmail("hank"));
        var anonymous = factory.Anonymous();

        await anonymous.ExpectAsync(anonymous.PostAsync("/api/invitations/decline", new { token }), HttpStatusCode.NoContent);

        Assert.Equal("declined", (await anonymous.ExpectAsync(anonymous.GetAsync($"/api/invitations/by-token/{token}"), HttpStatusCode.OK)).GetProperty("status").GetString());
        await ProblemAsync(anonymous.PostAsync("/api/invitations/decline", new { token }), HttpStatusCode.Gone, "invitation.declined");
        await ProblemAsync(anonymous.GetAsync("/api/invitations/by-token/not-a-token"), HttpStatusCode.NotFound, "invitation.not_found");
    }

    [Fact]
    public async Task A_member_cannot_be_invited_again()
    {
        var (org, team) = await BusinessOrgAsync();

        await ProblemAsync(_owner.PostAsync($"/api/teams/{team}/invitations", new { email = _owner.Email, role = "viewer" }), HttpStatusCode.Conflict, "invitation.already_member");
        await ProblemAsync(_owner.PostAsync($"/api/orgs/{org}/invitations", new { email = _owner.Email, role = "org_member" }), HttpStatusCode.Conflict, "invitation.already_member");
    }

    [Fact]
    public async Task A_free_team_is_full_at_invitation_time()
    {
        var (_, team) = await _owner.CreateOrgAsync();

        await ProblemAsync(_owner.PostAsync($"/api/teams/{team}/invitations", new { email = ApiFactory.NewEmail("ivy"), role = "viewer" }),
            HttpStatusCode.Conflict, "tier.team_member_limit");
    }

    [Fact]
    public async Task Bad_input_names_the_field()
    {
        var (org, team) = await _owner.CreateOrgAsync();

        await ValidationProblemAsync(_owner.PostAsync($"/api/orgs/{org}/invitations", new { email = "not-an-address", role = "org_member" }), "email");
        await ValidationProblemAsync(_owner.PostAsync($"/api/teams/{team}/invitations", new { email = "a@example.test", role = "org_owner" }), "role");
        await ValidationProblemAsync(_owner.PostAsync("/api/invitations/accept", new { token = "" }), "token");
    }

    [Fact]
    public async Task Other_organizations_and_viewers_cannot_see_or_manage_invitations()
    {
        var (org, team) = await BusinessOrgAsync();
        var (invitation, _) = await InviteToTeamAsync(team, ApiFactory.NewEmail("jack"));
        var id = invitation.GetProperty("id").GetString();
        var stranger = factory.As(ApiFactory.NewEmail("stranger"));
        var viewer = await factory.SignedUpAsync("viewer");
        await _owner.ExpectAsync(_owner.PostAsync($"/api/teams/{team}/members", new { email = viewer.Email, role = "viewer" }), HttpStatusCode.Created);

        await ProblemAsync(stranger.GetAsync($"/api/teams/{team}/invitations"), HttpStatusCode.NotFound);
        await ProblemAsync(stranger.GetAsync($"/api/orgs/{org}/invitations"), HttpStatusCode.NotFound);
        await ProblemAsync(stranger.PostAsync($"/api/invitations/{id}/resend", new { }), HttpStatusCode.NotFound, "invitation.not_found");
        await ProblemAsync(stranger.DeleteAsync($"/api/invitations/{id}"), HttpStatusCode.NotFound, "invitation.not_found");
        await ProblemAsync(stranger.PostAsync($"/api/teams/{team}/invitations", new { email = ApiFactory.NewEmail("x"), role = "viewer" }), HttpStatusCode.NotFound);
        await ProblemAsync(viewer.GetAsync($"/api/teams/{team}/invitations"), HttpStatusCode.Forbidden, "permission.denied");
        await ProblemAsync(viewer.DeleteAsync($"/api/invitations/{id}"), HttpStatusCode.Forbidden, "permission.denied");
        await ProblemAsync(viewer.PostAsync($"/api/teams/{team}/invitations", new { email = ApiFactory.NewEmail("x"), role = "viewer" }), HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task Every_step_is_in_the_audit_log_without_the_token()
    {
        var (org, team) = await BusinessOrgAsync();
        var kim = factory.As(ApiFactory.NewEmail("kim"));
        var (invitation, token) = await InviteToTeamAsync(team, kim.Email);
        await kim.ExpectAsync(kim.PostAsync("/api/invitations/accept", new { token }), HttpStatusCode.OK);

        var log = await _owner.ExpectAsync(_owner.GetAsync($"/api/orgs/{org}/audit?action=invitation"), HttpStatusCode.OK);

        var actions = log.GetProperty("items").EnumerateArray().Select(e => e.GetProperty("action").GetString()).ToList();
        Assert.Contains("invitation.created", actions);
        Assert.Contains("invitation.mail_sent", actions);
        Assert.Contains("invitation.accepted", actions);
        Assert.DoesNotContain(token, log.GetRawText());
        Assert.DoesNotContain(token, (await _owner.ExpectAsync(_owner.GetAsync($"/api/orgs/{org}/audit"), HttpStatusCode.OK)).GetRawText());
        Assert.Equal(invitation.GetProperty("id").GetString(), log.GetProperty("items")[0].GetProperty("resourceId").GetString());
    }
}

/// <summary>An SMTP server that never answers: the mail is given up after EMAIL_GIVE_UP_AFTER and the invitation shows it.</summary>
public sealed class UnreachableMailFactory : MailApiFactory
{
    private readonly int _closedPort = Loopback.FreePort();

    protected override int SmtpPort => _closedPort;

    protected override bool UsesFakeClock => false;

    protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>(base.Settings) { ["EMAIL_GIVE_UP_AFTER"] = "1s" };
}

public sealed class MailFailureApiTests(UnreachableMailFactory factory) : IClassFixture<UnreachableMailFactory>
{
    [Fact]
    public async Task Mail_that_cannot_be_delivered_shows_as_failed_and_can_be_resent()
    {
        var owner = factory.As(ApiFactory.NewEmail("owner"));
        var (org, _) = await owner.CreateOrgAsync();
        var invitation = await owner.ExpectAsync(owner.PostAsync($"/api/orgs/{org}/invitations", new { email = ApiFactory.NewEmail("lee"), role = "org_member" }), HttpStatusCode.Created);
        Assert.Equal("queued", invitation.GetProperty("mailStatus").GetString());

        JsonElement listed = default;
        for (var until = DateTime.UtcNow.AddSeconds(20); DateTime.UtcNow < until; await Task.Delay(200))
        {
            listed = Assert.Single((await owner.ExpectAsync(owner.GetAsync($"/api/orgs/{org}/invitations"), HttpStatusCode.OK)).EnumerateArray());
            if (listed.GetProperty("mailStatus").GetString() == "failed") break;
        }
        var resent = await owner.ExpectAsync(owner.PostAsync($"/api/invitations/{invitation.GetProperty("id").GetString()}/resend", new { }), HttpStatusCode.OK);

        Assert.Equal("failed", listed.GetProperty("mailStatus").GetString());
        Assert.Equal("pending", listed.GetProperty("status").GetString());
        Assert.Equal("queued", resent.GetProperty("mailStatus").GetString());
        var log = await owner.ExpectAsync(owner.GetAsync($"/api/orgs/{org}/audit?action=invitation.mail_failed"), HttpStatusCode.OK);
        Assert.Single(log.GetProperty("items").EnumerateArray());
    }
}

/// <summary>The server sending through SendGrid's v3 API (the SendGrid package pointed at a local fake by SENDGRID_API_HOST).</summary>
public sealed class SendGridApiFactory : ApiFactory
{
    public const string Key = "SG.functional-test-key";
    private FakeSendGridServer? _sendGrid;

    public FakeSendGridServer SendGrid => _sendGrid ?? throw new InvalidOperationException("Not started.");

    protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>(base.Settings)
    {
        ["EMAIL_PROVIDER"] = "sendgrid",
        ["EMAIL_FROM"] = "CleanScheduler <noreply@platform.test>",
        ["SENDGRID_API_KEY"] = Key,
        ["SENDGRID_API_HOST"] = SendGrid.Address.AbsoluteUri,
    };

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        _sendGrid = await FakeSendGridServer.StartAsync(Key);
    }

    protected override async Task DisposePeersAsync()
    {
        if (_sendGrid is not null) await _sendGrid.DisposeAsync();
    }
}

public sealed class SendGridInvitationTests(SendGridApiFactory factory) : IClassFixture<SendGridApiFactory>
{
    [Fact]
    public async Task The_invitation_mail_goes_through_sendgrid_with_the_link_in_text_and_html()
    {
        var owner = factory.As(ApiFactory.NewEmail("owner"));
        var (org, _) = await owner.CreateOrgAsync();
        var invitee = ApiFactory.NewEmail("sam");

        var invitation = await owner.ExpectAsync(owner.PostAsync($"/api/orgs/{org}/invitations", new { email = invitee, role = "org_member" }), HttpStatusCode.Created);

        System.Text.Json.Nodes.JsonObject? sent = null;
        for (var until = DateTime.UtcNow.AddSeconds(20); sent is null; await Task.Delay(100))
        {
            sent = factory.SendGrid.Accepted.FirstOrDefault(m => m["personalizations"]![0]!["to"]![0]!["email"]!.GetValue<string>() == invitee);
            Assert.True(sent is not null || DateTime.UtcNow < until, "SendGrid received no mail for the invitee");
        }
        Assert.Equal("noreply@platform.test", sent["from"]!["email"]!.GetValue<string>());
        var bodies = sent["content"]!.AsArray().Select(c => c!["value"]!.GetValue<string>()).ToList();
        Assert.All(bodies, body => Assert.Matches(@"http://localhost:8081/invitations/[A-Za-z0-9_-]{43}", body));
        for (var until = DateTime.UtcNow.AddSeconds(10); ; await Task.Delay(100))
        {
            var listed = Assert.Single((await owner.ExpectAsync(owner.GetAsync($"/api/orgs/{org}/invitations"), HttpStatusCode.OK)).EnumerateArray());
            if (listed.GetProperty("mailStatus").GetString() == "sent") break;
            Assert.True(DateTime.UtcNow < until, $"mail status stayed {listed.GetProperty("mailStatus")}");
        }
        Assert.Equal(invitation.GetProperty("id").GetString(), (await owner.ExpectAsync(owner.GetAsync($"/api/orgs/{org}/invitations"), HttpStatusCode.OK))[0].GetProperty("id").GetString());
    }
}
