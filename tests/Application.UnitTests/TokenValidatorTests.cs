using CleanScheduler.Application.Features.Tokens;
using FluentValidation.TestHelper;

namespace CleanScheduler.Application.UnitTests;

public sealed class TokenValidatorTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 30, 12, 0, 0, TimeSpan.Zero);
    private static readonly CreateApiTokenValidator Validator = new(new FixedClock(Now));

    private sealed class FixedClock(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }

    private static CreateApiTokenCommand Valid() => new("CI deploys", "read", Now.AddDays(30), null);

    [Fact]
    public void A_token_for_up_to_a_year_passes()
    {
        Validator.TestValidate(Valid()).ShouldNotHaveAnyValidationErrors();
        Validator.TestValidate(Valid() with { ExpiresAt = Now.AddYears(1), Scope = "write", OrganizationId = Guid.NewGuid() }).ShouldNotHaveAnyValidationErrors();
        Validator.TestValidate(Valid() with { ExpiresAt = Now.AddYears(1) + CreateApiTokenValidator.ClockSlack }).ShouldNotHaveAnyValidationErrors();
    }

    [Theory]
    [InlineData(null)]
    [InlineData(0.0)]                  // now is not ahead
    [InlineData(-1.0)]
    [InlineData(366.0)]
    public void The_expiry_is_required_ahead_and_at_most_a_year_away(double? days) =>
        Validator.TestValidate(Valid() with { ExpiresAt = days is { } d ? Now.AddDays(d) : null }).ShouldHaveValidationErrorFor(c => c.ExpiresAt);

    [Fact]
    public void A_second_past_the_slack_is_too_far() =>
        Validator.TestValidate(Valid() with { ExpiresAt = Now.AddYears(1) + CreateApiTokenValidator.ClockSlack + TimeSpan.FromSeconds(1) })
            .ShouldHaveValidationErrorFor(c => c.ExpiresAt);

    [Theory]
    [InlineData(null)]
    [InlineData("admin")]
    [InlineData("Read")]
    [InlineData("")]
    public void The_scope_is_read_or_write(string? scope) =>
        Validator.TestValidate(Valid() with { Scope = scope }).ShouldHaveValidationErrorFor(c => c.Scope);

    [Fact]
    public void An_empty_organization_id_is_refused() =>
        Validator.TestValidate(Valid() with { OrganizationId = Guid.Empty }).ShouldHaveValidationErrorFor(c => c.OrganizationId);

    [Fact]
    public void Secrets_have_the_documented_shape_and_differ()
    {
        var a = ApiTokenSecrets.New();
        var b = ApiTokenSecrets.New();

        Assert.Matches("^cs_[A-Za-z0-9_-]{43}$", a);
        Assert.NotEqual(a, b);
        Assert.True(ApiTokenSecrets.LooksValid(a));
        Assert.False(ApiTokenSecrets.LooksValid(a[..^1] + "="));
        Assert.False(ApiTokenSecrets.LooksValid("xx" + a[2..]));
        Assert.Equal(64, ApiTokenSecrets.Hash(a).Length);
    }
}
