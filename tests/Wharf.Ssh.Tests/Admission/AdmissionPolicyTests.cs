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

    [Theory]
    [InlineData(SshSessionStage.AwaitingVersion, true)]
    [InlineData(SshSessionStage.AwaitingKexInit, true)]
    [InlineData(SshSessionStage.KeyExchange, true)]
    [InlineData(SshSessionStage.AwaitingAuthentication, true)]
    [InlineData(SshSessionStage.Authenticating, false)]
    [InlineData(SshSessionStage.Authenticated, false)]
    public void ConnectionsThatHaveNotBegunToAuthenticateMayGiveWay(SshSessionStage stage, bool mayGiveWay) =>
        Assert.Equal(mayGiveWay, AdmissionPolicy.MayGiveWay(stage, keysComputedTicks: 0, nowTicks: 1_000_000));

    [Theory]
    [InlineData(SshSessionStage.KeyExchange)]
    [InlineData(SshSessionStage.AwaitingAuthentication)]
    public void AComputedKeyExchangeHoldsTheSlotForTheAnswerAllowanceOnly(SshSessionStage stage)
    {
        long computed = 1_000_000;
        long allowance = (long)AdmissionPolicy.AnswerAllowance.TotalMilliseconds;
        Assert.False(AdmissionPolicy.MayGiveWay(stage, computed, computed));
        Assert.False(AdmissionPolicy.MayGiveWay(stage, computed, computed + allowance - 1));
        Assert.True(AdmissionPolicy.MayGiveWay(stage, computed, computed + allowance));
    }

    [Fact]
    public void ATrickleOverSecondsIsLessProgressThanAYoungConnectionThatSentNothingYet()
    {
        double trickler = AdmissionPolicy.ProgressRate(peerBytes: 4, ageMilliseconds: 2000);   // a byte every 500 ms
        double newcomer = AdmissionPolicy.ProgressRate(peerBytes: 0, ageMilliseconds: 20);
        double client = AdmissionPolicy.ProgressRate(peerBytes: 1500, ageMilliseconds: 20);   // version line + KEXINIT
        double oldIdle = AdmissionPolicy.ProgressRate(peerBytes: 0, ageMilliseconds: 3000);
        Assert.True(oldIdle < trickler && trickler < newcomer && newcomer < client);
    }

    [Fact]
    public void ShareOfAnUnlimitedLimitIsZero()
    {
        Assert.Equal(0, AdmissionPolicy.Share(500, 0));
        Assert.Equal(0.5, AdmissionPolicy.Share(10, 20));
    }
}
