using System.Net;
using Wharf.Server.Configuration;

namespace Wharf.Server.Tests.Configuration;

/// <summary>common.proxy_protocol, proxy_allowed and proxy_skipped: loading and one-line validation.</summary>
public sealed class ProxyProtocolConfigTests
{
    private static string Error(string key, string value)
    {
        using var dir = new ConfigDir();
        var e = Assert.Throws<ConfigurationException>(() =>
            ConfigurationLoader.Load(dir.Path, null, new Dictionary<string, string?> { [key] = value }));
        Assert.DoesNotContain('\n', e.Message);
        return e.Message;
    }

    [Fact]
    public void DefaultsAreOff()
    {
        using var dir = new ConfigDir();
        var c = ConfigurationLoader.Load(dir.Path, null, new Dictionary<string, string?>()).Common;
        Assert.Equal(0, c.ProxyProtocol);
        Assert.Empty(c.ProxyAllowed);
        Assert.Empty(c.ProxySkipped);
    }

    [Fact]
    public void EnvironmentVariablesSetTheCommonSection()
    {
        using var dir = new ConfigDir();
        var c = ConfigurationLoader.Load(dir.Path, null, new Dictionary<string, string?>
        {
            ["WHARF_COMMON__PROXY_PROTOCOL"] = "2",
            ["WHARF_COMMON__PROXY_ALLOWED"] = "10.0.0.1, 192.168.0.0/16,2001:db8::/32",
            ["WHARF_COMMON__PROXY_SKIPPED"] = "127.0.0.1",
        }).Common;
        Assert.Equal(2, c.ProxyProtocol);
        Assert.Equal(["10.0.0.1", "192.168.0.0/16", "2001:db8::/32"], c.ProxyAllowed);
        Assert.Equal(["127.0.0.1"], c.ProxySkipped);
    }

    [Fact]
    public void TheFileSetsTheCommonSection()
    {
        using var dir = new ConfigDir();
        dir.Write("wharf.yaml", "common:\n  proxy_protocol: 1\n  proxy_allowed:\n    - 10.1.0.0/16\n  proxy_skipped: [\"10.1.2.3\"]\n");
        var c = ConfigurationLoader.Load(dir.Path, null, new Dictionary<string, string?>()).Common;
        Assert.Equal(1, c.ProxyProtocol);
        Assert.Equal(["10.1.0.0/16"], c.ProxyAllowed);
        Assert.Equal(["10.1.2.3"], c.ProxySkipped);
    }

    [Theory]
    [InlineData("WHARF_COMMON__PROXY_PROTOCOL", "3", "common.proxy_protocol: 3 is not valid (0-2: 0 off, 1 use a header when an allowed source sends one, 2 require one)")]
    [InlineData("WHARF_COMMON__PROXY_PROTOCOL", "-1", "common.proxy_protocol: -1 is not valid (0-2: 0 off, 1 use a header when an allowed source sends one, 2 require one)")]
    [InlineData("WHARF_COMMON__PROXY_ALLOWED", "x", "common.proxy_allowed.0: 'x' is not an IP address or network")]
    [InlineData("WHARF_COMMON__PROXY_ALLOWED", "10.0.0.1,lb.example.com", "common.proxy_allowed.1: 'lb.example.com' is not an IP address or network")]
    [InlineData("WHARF_COMMON__PROXY_ALLOWED", "10.0.0.0/33", "common.proxy_allowed.0: '10.0.0.0/33' is not an IP address or network")]
    [InlineData("WHARF_COMMON__PROXY_ALLOWED", "10.1", "common.proxy_allowed.0: '10.1' is not an IP address or network")]
    [InlineData("WHARF_COMMON__PROXY_ALLOWED", "10.0.0.1/", "common.proxy_allowed.0: '10.0.0.1/' is not an IP address or network")]
    [InlineData("WHARF_COMMON__PROXY_ALLOWED", "10.0.0.0/-8", "common.proxy_allowed.0: '10.0.0.0/-8' is not an IP address or network")]
    [InlineData("WHARF_COMMON__PROXY_SKIPPED", "::1%lo", "common.proxy_skipped.0: '::1%lo' is not an IP address or network")]
    [InlineData("WHARF_COMMON__PROXY_SKIPPED", "2001:db8::/129", "common.proxy_skipped.0: '2001:db8::/129' is not an IP address or network")]
    public void InvalidValuesNameTheOption(string key, string value, string message) => Assert.Equal(message, Error(key, value));

    [Theory]
    [InlineData("10.0.0.7", "10.0.0.7/32")]
    [InlineData(" 10.1.2.3/8 ", "10.0.0.0/8")] // host bits masked, as Go's net.ParseCIDR does
    [InlineData("0.0.0.0/0", "0.0.0.0/0")]
    [InlineData("2001:db8::1", "2001:db8::1/128")]
    [InlineData("2001:db8:1:2::5/48", "2001:db8:1::/48")]
    public void AddressesAndNetworksParse(string text, string expected)
    {
        Assert.True(CommonConfig.TryParseNetwork(text, out var network));
        Assert.Equal(IPNetwork.Parse(expected), network);
    }
}
