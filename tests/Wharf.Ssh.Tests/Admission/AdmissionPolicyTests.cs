using Wharf.Ssh.Admission;

namespace Wharf.Ssh.Tests.Admission;

public sealed class AdmissionPolicyTests
{
    [Theory]
    [InlineData(0.0, 30.0)]
    [InlineData(0.5, 30.0)]
    [InlineData(0.75, 16.0)]
    [InlineData(1.0, 2.0)]
    [InlineData(3.0, 2.0)]
    public void GraceShrinksLinearlyAboveHalfFull(double pressure, double seconds)
    {
        var allowed = AdmissionPolicy.Allowance(TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(2), pressure);
        Assert.Equal(seconds, allowed.TotalSeconds, 6);
    }

    [Fact]
    public void AFloorAboveTheFullTimeLeavesTheFullTime() =>
        Assert.Equal(TimeSpan.FromMilliseconds(500), AdmissionPolicy.Allowance(TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(20), 1.0));

    [Fact]
    public void OnlyIdleStagesMayBeEvicted_LeastProgressFirst()
    {
        Assert.True(AdmissionPolicy.EvictionRank(SshSessionStage.AwaitingVersion) < AdmissionPolicy.EvictionRank(SshSessionStage.AwaitingKexInit));
        Assert.True(AdmissionPolicy.EvictionRank(SshSessionStage.AwaitingKexInit) < AdmissionPolicy.EvictionRank(SshSessionStage.AwaitingAuthentication));
        Assert.Null(AdmissionPolicy.EvictionRank(SshSessionStage.KeyExchange));
        Assert.Null(AdmissionPolicy.EvictionRank(SshSessionStage.Authenticating));
        Assert.Null(AdmissionPolicy.EvictionRank(SshSessionStage.Authenticated));
    }

    [Fact]
    public void ShareOfAnUnlimitedLimitIsZero()
    {
        Assert.Equal(0, AdmissionPolicy.Share(500, 0));
        Assert.Equal(0.5, AdmissionPolicy.Share(10, 20));
    }
}
