using Wharf.Server.Commands;

namespace Wharf.Server.Tests.Commands;

public sealed class CommandLineSplitterTests
{
    [Theory]
    [InlineData("md5sum a b", new[] { "md5sum", "a", "b" })]
    [InlineData("  md5sum   'a b'  \"c d\" ", new[] { "md5sum", "a b", "c d" })]
    [InlineData("x 'it''s' \"q\\\"uote\" back\\ slash", new[] { "x", "its", "q\"uote", "back slash" })]
    [InlineData("cat /etc/passwd; id", new[] { "cat", "/etc/passwd;", "id" })]
    [InlineData("x $(id) `id` *", new[] { "x", "$(id)", "`id`", "*" })]
    public void SplitsLikeAShellWithoutItsExpansions(string line, string[] expected) =>
        Assert.Equal(expected, CommandLineSplitter.Split(line));

    [Theory]
    [InlineData("x 'open")]
    [InlineData("x \"open")]
    public void UnbalancedQuotesAreRejected(string line) => Assert.Null(CommandLineSplitter.Split(line));

    [Fact]
    public void NamesWithBackslashOrNewlineAreEscapedLikeCoreutils()
    {
        Assert.Equal("abc  plain.txt\n", SshCommands.FormatLine("abc", "plain.txt"));
        Assert.Equal("\\abc  a\\\\b\\nc\n", SshCommands.FormatLine("abc", "a\\b\nc"));
    }
}
