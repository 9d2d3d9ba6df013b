using System.Security.Cryptography;
using Wharf.Sftp.FileSystem;
using Wharf.Sftp.Protocol;

namespace Wharf.Sftp.Tests.Protocol;

/// <summary>Transfers through the session, on the plain test file system.</summary>
public sealed class SftpSessionTransferTests : SftpSessionTransferTestsBase
{
}

/// <summary>The same transfers on the real, confined LocalFileSystem rooted at the same directory.</summary>
public sealed class SftpSessionTransferOnLocalFileSystemTests : SftpSessionTransferTestsBase
{
    protected override IFileSystem Wrap(TempDirFileSystem fs) =>
        new Wharf.Sftp.FileSystem.Local.LocalFileSystem(new() { RootDirectory = fs.Root });
}

public abstract class SftpSessionTransferTestsBase : IAsyncLifetime
{
    private readonly TempDirFileSystem _fs = new();
    private SftpTestClient _c = null!;

    /// <summary>The file system the session runs on, over the test directory.</summary>
    protected virtual IFileSystem Wrap(TempDirFileSystem fs) => fs;

    public async ValueTask InitializeAsync() => _c = await SftpTestClient.StartAsync(Wrap(_fs));

    public async ValueTask DisposeAsync()
    {
        await _c.DisposeAsync();
        _fs.Dispose();
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(32767)]
    [InlineData(32768)]
    [InlineData(32769)]
    [InlineData((1 << 20) + 7)]
    public async Task PipelinedUploadOutOfOrderThenDownload(int size)
    {
        var content = new byte[size];
        new Random(size).NextBytes(content);
        var h = await _c.OpenHandle("/up", SftpOpenFlags.Write | SftpOpenFlags.Create | SftpOpenFlags.Truncate);

        // Every chunk in flight at once, sent in shuffled order; then CLOSE without waiting for them.
        const int chunk = 32768;
        var offsets = Enumerable.Range(0, (size + chunk - 1) / chunk).Select(i => i * chunk).ToArray();
        new Random(1).Shuffle(offsets);
        var writes = offsets.Select(o => _c.Write(h, (ulong)o, content.AsMemory(o, Math.Min(chunk, size - o)))).ToList();
        var close = _c.Close(h);
        foreach (var w in writes)
        {
            (await w).AssertOk();
        }

        (await close).AssertOk();
        Assert.Equal(SHA256.HashData(content), SHA256.HashData(File.ReadAllBytes(_fs.Real("/up"))));

        var r = await _c.OpenHandle("/up", SftpOpenFlags.Read);
        Assert.Equal((ulong)size, (await _c.HandleRequest(SftpPacketType.Fstat, r)).Attributes.Size);
        var back = await _c.ReadAll(r, size);
        Assert.Equal(SHA256.HashData(content), SHA256.HashData(back));
        (await _c.Close(r)).AssertOk();
    }

    [Fact]
    public async Task WritesOnOneHandleApplyInRequestOrder()
    {
        // Overlapping writes to the same range: only request order gives the last one the win.
        var h = await _c.OpenHandle("/o", SftpOpenFlags.Write | SftpOpenFlags.Create);
        var replies = Enumerable.Range(0, 200).Select(i => _c.Write(h, 0, new byte[] { (byte)i, (byte)i, (byte)i })).ToList();
        var close = _c.Close(h);
        var stat = _c.PathRequest(SftpPacketType.Stat, "/o");
        foreach (var r in replies)
        {
            (await r).AssertOk();
        }

        (await close).AssertOk();
        Assert.Equal(3UL, (await stat).Attributes.Size);
        Assert.Equal(new byte[] { 199, 199, 199 }, File.ReadAllBytes(_fs.Real("/o")));
    }

    [Fact]
    public async Task ParallelFilesOnSeveralHandles()
    {
        var data = Enumerable.Range(0, 8).Select(i => RandomNumberGenerator.GetBytes(100_000 + i)).ToArray();
        var handles = await Task.WhenAll(Enumerable.Range(0, 8).Select(i => _c.OpenHandle($"/p{i}", SftpOpenFlags.Write | SftpOpenFlags.Create)));
        var all = new List<Task<SftpReply>>();
        for (int off = 0; off < 100_008; off += 4096)
        {
            for (int i = 0; i < 8; i++)
            {
                if (off < data[i].Length)
                {
                    all.Add(_c.Write(handles[i], (ulong)off, data[i].AsMemory(off, Math.Min(4096, data[i].Length - off))));
                }
            }
        }

        all.AddRange(handles.Select(h => _c.Close(h)));
        foreach (var t in all)
        {
            (await t).AssertOk();
        }

        for (int i = 0; i < 8; i++)
        {
            Assert.Equal(data[i], File.ReadAllBytes(_fs.Real($"/p{i}")));
        }
    }

    [Fact]
    public async Task WriteLongerThanTheLimitIsRefused()
    {
        await using var c = await SftpTestClient.StartAsync(Wrap(_fs), new SftpSessionOptions { MaxWriteLength = 1000 });
        var h = await c.OpenHandle("/w", SftpOpenFlags.Write | SftpOpenFlags.Create);
        (await c.Write(h, 0, new byte[1001])).AssertStatus(SftpStatusCode.Failure, "limit");
        (await c.Write(h, 0, new byte[1000])).AssertOk();
        (await c.Write(h, ulong.MaxValue - 5, new byte[10])).AssertStatus(SftpStatusCode.Failure, "range");
        (await c.Close(h)).AssertOk();
    }

    [Fact]
    public async Task ManyRequestsWithOneSlot()
    {
        await using var c = await SftpTestClient.StartAsync(Wrap(_fs), new SftpSessionOptions { MaxConcurrentRequests = 1 });
        var h = await c.OpenHandle("/one", SftpOpenFlags.Read | SftpOpenFlags.Write | SftpOpenFlags.Create);
        var content = RandomNumberGenerator.GetBytes(300_000);
        var writes = Enumerable.Range(0, 10).Select(i => c.Write(h, (ulong)(i * 30_000), content.AsMemory(i * 30_000, 30_000))).ToList();
        foreach (var w in writes)
        {
            (await w).AssertOk();
        }

        Assert.Equal(content, await c.ReadAll(h, content.Length, 7000));
    }

    [Fact]
    public async Task PathRequestsWaitForEarlierHandleRequests()
    {
        // What an uploading client may pipeline: writes, CLOSE, then RENAME and STAT of the result.
        var content = RandomNumberGenerator.GetBytes(500_000);
        var h = await _c.OpenHandle("/part", SftpOpenFlags.Write | SftpOpenFlags.Create);
        var replies = new List<Task<SftpReply>>();
        for (int off = 0; off < content.Length; off += 32768)
        {
            replies.Add(_c.Write(h, (ulong)off, content.AsMemory(off, Math.Min(32768, content.Length - off))));
        }

        replies.Add(_c.Close(h));
        replies.Add(_c.TwoPaths(SftpPacketType.Rename, "/part", "/final"));
        var stat = _c.PathRequest(SftpPacketType.Stat, "/final");
        foreach (var r in replies)
        {
            (await r).AssertOk();
        }

        Assert.Equal((ulong)content.Length, (await stat).Attributes.Size);
        Assert.Equal(content, File.ReadAllBytes(_fs.Real("/final")));
    }
}
