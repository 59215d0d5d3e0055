using CleanScheduler.Domain.Clients;
using CleanScheduler.Domain.Common;
using CleanScheduler.Domain.Users;

namespace CleanScheduler.Domain.UnitTests;

public sealed class ValueObjectTests
{
    [Theory]
    [InlineData("acme", true)]
    [InlineData("a1", true)]
    [InlineData("acme-corp-2", true)]
    [InlineData("a", false)]
    [InlineData("Acme", false)]
    [InlineData("-acme", false)]
    [InlineData("acme-", false)]
    [InlineData("ac me", false)]
    [InlineData("acme_corp", false)]
    [InlineData("", false)]
    [InlineData(null, false)]
    [InlineData("ümlaut", false)]
    public void Slugs_are_dns_labels_of_two_or_more_characters(string? slug, bool valid) => Assert.Equal(valid, Slug.IsValid(slug));

    [Fact]
    public void A_slug_has_at_most_63_characters() =>
        Assert.Equal((true, false), (Slug.IsValid(new string('a', 63)), Slug.IsValid(new string('a', 64))));

    [Theory]
    [InlineData("Acme Corp.", "acme-corp")]
    [InlineData("  Hello -- World  ", "hello-world")]
    [InlineData("Zürich Bank", "z-rich-bank")]
    [InlineData("!!!", null)]
    [InlineData("X", null)]
    public void Slugs_derive_from_names(string name, string? expected) => Assert.Equal(expected, Slug.Derive(name)?.Value);

    [Fact]
    public void A_derived_slug_from_a_long_name_is_still_valid() =>
        Assert.True(Slug.IsValid(Slug.Derive(string.Concat(Enumerable.Repeat("word ", 40)))!.Value.Value));

    [Theory]
    [InlineData("dev@localhost", true)]
    [InlineData("Alice@Example.COM", true)]
    [InlineData("first.last+tag@sub.example.org", true)]
    [InlineData("no-at-sign", false)]
    [InlineData("a@b@c", false)]
    [InlineData("a b@example.com", false)]
    [InlineData("@example.com", false)]
    [InlineData("a@", false)]
    [InlineData("a@-example.com", false)]
    [InlineData("<script>@x.y", false)]
    [InlineData("", false)]
    [InlineData(null, false)]
    [InlineData("\u212Aate@corp.com", false)]   // KELVIN SIGN lower-cases to "k": it must not become kate@corp.com
    [InlineData("jos\u00E9@example.com", false)]
    public void Email_addresses(string? email, bool valid) => Assert.Equal(valid, EmailAddress.IsValid(email));

    [Theory]
    [InlineData("first.last+tag@sub.example.org", true)]
    [InlineData("dev@localhost", true)]
    [InlineData("a..b@x.com", false)]
    [InlineData(".a@x.com", false)]
    [InlineData("a.@x.com", false)]
    [InlineData("no-at-sign", false)]
    public void Addresses_mail_is_sent_to_have_a_dot_atom_local_part(string email, bool deliverable)
    {
        Assert.Equal(deliverable, EmailAddress.IsDeliverable(email));
        if (email.Contains('@', StringComparison.Ordinal)) Assert.True(EmailAddress.IsValid(email));   // stored accounts with such an address still sign in
    }

    [Fact]
    public void Email_addresses_are_normalized_to_lower_case_without_spaces() =>
        Assert.Equal("alice@example.com", EmailAddress.From("  Alice@Example.COM ").Value);

    [Fact]
    public void Email_addresses_longer_than_254_characters_are_refused() =>
        Assert.False(EmailAddress.IsValid(new string('a', 64) + "@" + string.Join('.', Enumerable.Repeat(new string('b', 60), 4))));

    [Theory]
    [InlineData("Acme", true)]
    [InlineData("  padded  ", true)]
    [InlineData("", false)]
    [InlineData("   ", false)]
    [InlineData("tab\tinside", false)]
    [InlineData(null, false)]
    public void Display_names(string? name, bool valid) => Assert.Equal(valid, DisplayName.IsValid(name));

    [Fact]
    public void Display_names_have_at_most_100_characters() =>
        Assert.Equal((true, false), (DisplayName.IsValid(new string('x', 100)), DisplayName.IsValid(new string('x', 101))));

    [Fact]
    public void A_user_registers_with_a_normalized_email_and_a_display_name_from_it()
    {
        var email = EmailAddress.From("Bob.Smith@Example.com");

        var user = User.Register(email, UserHandle.Derive(email), DateTimeOffset.UnixEpoch);

        Assert.Equal(("bob.smith@example.com", "bob.smith", "bob-smith"), (user.Email, user.DisplayName, user.Handle));
        Assert.IsType<UserRegistered>(Assert.Single(user.DomainEvents));
    }

    [Fact]
    public void A_client_serves_its_domains_once_each()
    {
        var client = Client.Register("Partner", new Branding("Partner Cloud", null, "#112233"), DateTimeOffset.UnixEpoch);

        client.AddDomain("Cloud.Partner.Example");

        Assert.True(client.Serves("cloud.partner.example"));
        Assert.Equal("client.domain_exists", Assert.Throws<RuleViolationException>(() => client.AddDomain("cloud.partner.example")).Code);
        Assert.Equal("client.invalid_domain", Assert.Throws<RuleViolationException>(() => client.AddDomain("not a host")).Code);
        client.RemoveDomain("cloud.partner.example");
        Assert.False(client.Serves("cloud.partner.example"));
    }

    [Theory]
    [InlineData("jane@x.io", "jane")]
    [InlineData("Jane.Doe+test@x.io", "jane-doe-test")]
    [InlineData("42@x.io", "u42")]
    [InlineData("___@x.io", "u")]
    [InlineData("a-very-long-local-part-indeed@x.io", "a-very-long-loc")]
    [InlineData("dev@localhost", "dev")]
    public void Handles_derive_from_the_email(string email, string handle) =>
        Assert.Equal(handle, UserHandle.Derive(EmailAddress.From(email)).Value);

    [Fact]
    public void Derived_handles_leave_room_for_a_suffix_and_stay_valid()
    {
        var handle = UserHandle.Derive(EmailAddress.From(new string('x', 64) + "@x.io")).WithSuffix("k3x9");

        Assert.True(handle.Value.Length <= UserHandle.MaxLength);
        Assert.True(UserHandle.IsValid(handle.Value));
    }

    [Theory]
    [InlineData("jane", true)]
    [InlineData("j", true)]
    [InlineData("jane-doe2", true)]
    [InlineData("2jane", false)]
    [InlineData("jane-", false)]
    [InlineData("Jane", false)]
    [InlineData("", false)]
    [InlineData("abcdefghijklmnopqrstu", false)]
    public void Handle_rule(string handle, bool valid) => Assert.Equal(valid, UserHandle.IsValid(handle));

    [Theory]
    [InlineData("#a1B2c3", true)]
    [InlineData("a1b2c3", false)]
    [InlineData("#abc", false)]
    [InlineData("red", false)]
    public void Branding_colours_are_hex(string colour, bool valid) => Assert.Equal(valid, Branding.IsValidColor(colour));
}
