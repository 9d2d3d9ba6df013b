using Wharf.Server.Commands.System;

namespace Wharf.Server.Tests.SystemCommandChecks;

public sealed class GitConfigFilterTests
{
    [Fact]
    public void WhatInitAndCloneWriteIsKept()
    {
        const string config = "[core]\n\trepositoryformatversion = 0\n\tfilemode = true\n\tbare = true\n[remote \"origin\"]\n\turl = /tmp/x\n\tfetch = +refs/heads/*:refs/remotes/origin/*\n[branch \"master\"]\n\tremote = origin ; trailing comment\n\tmerge = refs/heads/master\n";
        var filtered = GitConfigFilter.Filter(config, out var error);
        Assert.True(filtered is not null, error);
        Assert.Equal("[core]\n\trepositoryformatversion = \"0\"\n\tfilemode = \"true\"\n\tbare = \"true\"\n[remote \"origin\"]\n\turl = \"/tmp/x\"\n\tfetch = \"+refs/heads/*:refs/remotes/origin/*\"\n[branch \"master\"]\n\tremote = \"origin\"\n\tmerge = \"refs/heads/master\"\n", filtered);
    }

    [Theory]
    [InlineData("[tar \"tgz\"]\n\tcommand = evil\n", "tar.tgz.command")]
    [InlineData("[TAR \"tgz\"]\n\tCommand = evil\n", "tar.tgz.command")]
    [InlineData("[tar.tgz]\n\tcommand = evil\n", "tar.tgz.command")]
    [InlineData("[core]\n\tpager = evil\n", "core.pager")]
    [InlineData("[core]\n\tsshCommand = evil\n", "core.sshcommand")]
    [InlineData("[core]\n\tfsmonitor = evil\n", "core.fsmonitor")]
    [InlineData("[core]\n\thooksPath = /x\n", "core.hookspath")]
    [InlineData("[filter \"lfs\"]\n\tprocess = evil\n", "filter.lfs.process")]
    [InlineData("[diff]\n\texternal = evil\n", "diff.external")]
    [InlineData("[gpg]\n\tprogram = evil\n", "gpg.program")]
    [InlineData("[credential]\n\thelper = evil\n", "credential.helper")]
    [InlineData("[include]\n\tpath = x\n", "include.path")]
    [InlineData("[includeIf \"gitdir:/\"]\n\tpath = x\n", "includeif.gitdir:/.path")]
    [InlineData("[remote \"o\"]\n\tuploadpack = evil\n", "remote.o.uploadpack")]
    [InlineData("[receive]\n\tprocReceiveRefs = refs\n", "receive.procreceiverefs")]
    public void KeysThatCanRunProgramsOrReadFilesAreRefusedByName(string config, string key)
    {
        Assert.Null(GitConfigFilter.Filter(config, out var error));
        Assert.Contains($"'{key}'", error, StringComparison.OrdinalIgnoreCase);
    }

    [Theory]
    [InlineData("[core]\n\tbare = \"true\n")] // unterminated quote
    [InlineData("[core\n\tbare = true\n")] // malformed header
    [InlineData("bare = true\n")] // entry before any section
    [InlineData("[core]\n\tbare = tr\\ue\n")] // unknown escape
    [InlineData("[core]\n\t1bare = true\n")]
    public void WhatIsNotUnderstoodIsRefused(string config) => Assert.Null(GitConfigFilter.Filter(config, out _));

    [Fact]
    public void ContinuationsQuotesAndEscapesAreReadAsGitReadsThem()
    {
        var filtered = GitConfigFilter.Filter("[user]\n\tname = \"a \\\"b\\\"\" c \\\n  d # comment\n", out var error);
        Assert.True(filtered is not null, error);
        Assert.Equal("[user]\n\tname = \"a \\\"b\\\" c   d\"\n", filtered);
    }

    [Fact]
    public void UpdateInsteadIsRefused() =>
        Assert.Null(GitConfigFilter.Filter("[receive]\n\tdenyCurrentBranch = updateInstead\n", out _));
}
