using CleanScheduler.Application.Common;

namespace CleanScheduler.Application.UnitTests;

public sealed class SessionDeviceTests
{
    [Fact]
    public void The_user_agent_loses_control_characters_and_is_cut_to_its_limit_never_in_half_a_character()
    {
        var agent = "Mozilla/5.0\r\n\u0000 " + new string('a', 243) + "😀😀";   // the first emoji straddles the limit

        var device = SessionDevice.From(agent, "203.0.113.7");

        Assert.Equal("Mozilla/5.0 " + new string('a', 243), device.UserAgent);
        Assert.Equal("203.0.113.7", device.Ip);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    public void A_missing_user_agent_or_address_is_null(string? value) =>
        Assert.Equal(SessionDevice.Unknown, SessionDevice.From(value, value));
}
