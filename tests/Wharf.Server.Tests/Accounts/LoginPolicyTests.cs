using System.Net;
using Wharf.Server.Accounts;

namespace Wharf.Server.Tests.Accounts;

public sealed class LoginPolicyTests
{
    private static readonly DateTimeOffset Now = DateTimeOffset.FromUnixTimeMilliseconds(1_800_000_000_000);

    private static string? Check(User u, string ip = "192.0.2.10", int sessions = 0) => LoginPolicy.Check(u, IPAddress.Parse(ip), Now, sessions);

    [Fact]
    public void ActiveUnexpiredUnrestrictedUserMayLogIn() => Assert.Null(Check(new User { Username = "u" }));

    [Fact]
    public void InactiveAndExpiredAccountsAreRefused()
    {
        Assert.Contains("inactive", Check(new User { Status = 0 }));
        Assert.Contains("expired", Check(new User { ExpirationDate = Now.ToUnixTimeMilliseconds() - 1 }));
        Assert.Null(Check(new User { ExpirationDate = Now.ToUnixTimeMilliseconds() + 60_000 }));
    }

    [Theory]
    [InlineData("192.0.2.10", null)]
    [InlineData("192.0.2.200", "denied")]
    [InlineData("198.51.100.1", "not allowed")]
    [InlineData("2001:db8::5", null)]
    [InlineData("2001:db9::5", "not allowed")]
    [InlineData("::ffff:192.0.2.10", null)]
    public void AllowedAndDeniedAddresses(string ip, string? expected)
    {
        var u = new User { AllowedIp = ["192.0.2.0/24", "2001:db8::/32"], DeniedIp = ["192.0.2.128/25"] };
        var result = Check(u, ip);
        if (expected is null)
        {
            Assert.Null(result);
        }
        else
        {
            Assert.Contains(expected, result);
        }
    }

    [Fact]
    public void DeniedWinsOverAllowed() =>
        Assert.Contains("denied", Check(new User { AllowedIp = ["10.0.0.0/8"], DeniedIp = ["10.1.2.3/32"] }, "10.1.2.3"));

    [Fact]
    public void MaxSessions()
    {
        var u = new User { MaxSessions = 2 };
        Assert.Null(Check(u, sessions: 1));
        Assert.Contains("too many sessions", Check(u, sessions: 2));
    }
}
