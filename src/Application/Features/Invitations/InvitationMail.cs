using System.Net;
using CleanScheduler.Application.Common;
using CleanScheduler.Domain.Invitations;
using Microsoft.EntityFrameworkCore;

namespace CleanScheduler.Application.Features.Invitations;

/// <summary>The platform's own address (BASE_URL): invitation links of organizations without a white-label client point there.</summary>
public sealed record InvitationLinkOptions(Uri BaseUrl);

/// <summary>
/// Writes an invitation's mail and queues it in the outbox, in the caller's unit of work. The mail is branded with the
/// organization's white-label client (name, colour, logo) and its link points at that client's host (BASE_URL's scheme
/// and port), or at BASE_URL for direct organizations. Queuing again drops the invitation's mail not sent yet.
/// </summary>
public sealed class InvitationMailer(IAppDbContext db, ISecretCipher cipher, InvitationLinkOptions links, MailDeliveryOptions delivery)
{
    public async Task QueueAsync(Invitation invitation, string token, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await DropUnsentAsync(invitation, cancellationToken);
        var org = await db.Organizations.AsNoTracking().Where(o => o.Id == invitation.OrganizationId)
            .Select(o => new { o.Name, o.ClientId }).SingleAsync(cancellationToken);
        var teamName = invitation.TeamId is { } teamId
            ? await db.Teams.AsNoTracking().Where(t => t.Id == teamId).Select(t => t.Name).SingleAsync(cancellationToken)
            : null;
        var inviter = invitation.InvitedBy is { } by
            ? await db.Users.AsNoTracking().Where(u => u.Id == by).Select(u => u.Email).SingleOrDefaultAsync(cancellationToken)
            : null;
        var brand = ResolvedClient.Platform;
        string? host = null;
        if (org.ClientId is { } clientId)
        {
            var client = await db.Clients.AsNoTracking().Where(c => c.Id == clientId)
                .Select(c => new { c.Branding, Host = c.Domains.OrderBy(d => d.Host).Select(d => d.Host).FirstOrDefault() })
                .SingleAsync(cancellationToken);
            brand = new ResolvedClient(clientId, client.Branding.DisplayName, client.Branding.LogoUrl, client.Branding.PrimaryColor);
            host = client.Host;
        }
        var link = Link(host, token);
        var message = Compose(invitation.Email, brand, org.Name, teamName, invitation.Role, inviter, link, invitation.ExpiresAt);
        db.MailOutbox.Add(OutboxMailRow.Queue(message, invitation.Id.Value, cipher, now, delivery.GiveUpAfter));
    }

    /// <summary>Mail of this invitation that was not sent yet carries a token no longer valid (resent) or an invitation withdrawn.</summary>
    public async Task DropUnsentAsync(Invitation invitation, CancellationToken cancellationToken)
    {
        var unsent = await db.MailOutbox.Where(m => m.InvitationId == invitation.Id.Value && m.SentAt == null && m.FailedAt == null)
            .ToListAsync(cancellationToken);
        db.MailOutbox.RemoveRange(unsent);
    }

    public string Link(string? clientHost, string token)
    {
        var builder = new UriBuilder(links.BaseUrl) { Path = "/invitations/" + Uri.EscapeDataString(token), Query = "", Fragment = "" };
        if (clientHost is not null) builder.Host = clientHost;
        return builder.Uri.AbsoluteUri;
    }

    public static MailMessage Compose(string to, ResolvedClient brand, string organization, string? team, string role, string? inviter,
        string link, DateTimeOffset expiresAt)
    {
        var where = team is null ? $"the organization {organization}" : $"the team {team} of {organization}";
        var who = inviter ?? "Someone";
        var expires = expiresAt.UtcDateTime.ToString("yyyy-MM-dd HH:mm 'UTC'", System.Globalization.CultureInfo.InvariantCulture);
        var subject = $"{who} invited you to {(team is null ? "an organization" : "a team")} on {brand.DisplayName}";   // names chosen by the inviter stay out of the subject
        var text = $"""
            {who} invited you to join {where} on {brand.DisplayName} as {role}.

            Accept or decline the invitation here:
            {link}

            The link works once and expires on {expires}. If you did not expect this invitation, you can ignore this mail.
            """;
        static string H(string value) => WebUtility.HtmlEncode(value);
        var logo = brand.LogoUrl is { } url ? $"""<img src="{H(url)}" alt="{H(brand.DisplayName)}" style="max-height:40px"><br>""" : "";
        var html = $"""
            <!DOCTYPE html>
            <html><body style="font-family:sans-serif;color:#111">
            <div style="border-top:4px solid {H(brand.PrimaryColor)};padding:16px;max-width:560px">
            {logo}<h2 style="color:{H(brand.PrimaryColor)}">{H(brand.DisplayName)}</h2>
            <p>{H(who)} invited you to join {H(where)} as <strong>{H(role)}</strong>.</p>
            <p><a href="{H(link)}" style="background:{H(brand.PrimaryColor)};color:#fff;padding:10px 16px;text-decoration:none;border-radius:4px">Open the invitation</a></p>
            <p style="font-size:12px;color:#555">Or paste this link into your browser: {H(link)}<br>
            The link works once and expires on {H(expires)}. If you did not expect this invitation, you can ignore this mail.</p>
            </div></body></html>
            """;
        return new MailMessage(to, subject, text, html);
    }
}
