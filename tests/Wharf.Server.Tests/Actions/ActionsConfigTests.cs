using Wharf.Server.Actions;
using Wharf.Server.Configuration;
using Wharf.Server.Tests.Configuration;

namespace Wharf.Server.Tests.Actions;

/// <summary>The actions timeout option, and how notification URLs are built.</summary>
public sealed class ActionsConfigTests
{
    [Theory]
    [InlineData("WHARF_SFTPD__ACTIONS__TIMEOUT", "0", "sftpd.actions.timeout: 0 is not valid (1-300: seconds a command or notification may take)")]
    [InlineData("WHARF_SFTPD__ACTIONS__TIMEOUT", "301", "sftpd.actions.timeout: 301 is not valid (1-300: seconds a command or notification may take)")]
    [InlineData("WHARF_DATA_PROVIDER__ACTIONS__TIMEOUT", "-5", "data_provider.actions.timeout: -5 is not valid (1-300: seconds a command or notification may take)")]
    public void TimeoutOutOfRangeIsAOneLineError(string variable, string value, string message)
    {
        using var dir = new ConfigDir();
        var ex = Assert.Throws<ConfigurationException>(() => ConfigurationLoader.Load(dir.Path, null, new Dictionary<string, string?> { [variable] = value }));
        Assert.Equal(message, ex.Message);
    }

    [Fact]
    public void TimeoutDefaultsTo15AndLoadsFromTheFile()
    {
        using var dir = new ConfigDir();
        dir.Write("wharf.yaml", """
            sftpd:
              actions:
                execute_on: [upload]
                command: /usr/bin/true
                timeout: 300
            """);
        var c = ConfigurationLoader.Load(dir.Path, null, new Dictionary<string, string?>());
        Assert.Equal(300, c.Sftpd.Actions.Timeout);
        Assert.Equal(15, c.DataProvider.Actions.Timeout);
    }

    [Theory]
    [InlineData("http://h/hook", "http://h/hook?action=upload&path=%2Fa%20b%26c%3Dd%3F%23%2B")]
    [InlineData("http://h:8080/hook?token=abc", "http://h:8080/hook?token=abc&action=upload&path=%2Fa%20b%26c%3Dd%3F%23%2B")]
    [InlineData("https://h/hook?token=abc&", "https://h/hook?token=abc&action=upload&path=%2Fa%20b%26c%3Dd%3F%23%2B")]
    [InlineData("https://h/hook?", "https://h/hook?action=upload&path=%2Fa%20b%26c%3Dd%3F%23%2B")]
    public void ParametersAreEncodedAndMergedWithTheConfiguredQuery(string url, string expected)
    {
        var uri = NotificationUrl.Build(url, [new("action", "upload"), new("path", "/a b&c=d?#+")]);
        Assert.Equal(expected, uri.AbsoluteUri);
    }

    [Fact]
    public void LoggedUrlLeavesOutTheQueryAndCredentials()
    {
        var uri = NotificationUrl.Build("https://user:pw@h/hook?token=secret", [new("action", "upload")]);
        Assert.Equal("https://h/hook", NotificationUrl.ForLog(uri));
    }
}
