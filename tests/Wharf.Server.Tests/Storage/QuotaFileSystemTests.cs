using System.Diagnostics;
using Wharf.Server.Storage;
using Wharf.Sftp;
using Wharf.Sftp.FileSystem;
using Wharf.Sftp.FileSystem.Local;

namespace Wharf.Server.Tests.Storage;

public sealed class QuotaFileSystemTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "wharf-quota-" + Guid.NewGuid().ToString("N")[..8]);
    private readonly List<(long Size, int Files)> _persisted = [];

    public void Dispose() => Directory.Delete(_root, true);

    private (QuotaFileSystem Fs, QuotaTracker Tracker) Create(long limitSize, int limitFiles, UploadMode mode = UploadMode.Standard)
    {
        var tracker = new QuotaTracker(0, 0, limitSize, limitFiles, enforce: true)
        {
            Persist = (s, f) =>
            {
                lock (_persisted)
                {
                    _persisted.Add((s, f));
                }

                return Task.CompletedTask;
            },
        };
        var fs = new QuotaFileSystem(new LocalFileSystem(new LocalFileSystemOptions { RootDirectory = _root, UploadMode = mode }), tracker, mode);
        return (fs, tracker);
    }

    private static async Task WriteAsync(IFileSystem fs, string path, int total, int chunk = 10_000, bool close = true)
    {
        // Like the protocol layer: a handle is always disposed, closed only when the client closes it.
        await using var file = await fs.OpenFileAsync(path, SftpOpenFlags.Write | SftpOpenFlags.Create | SftpOpenFlags.Truncate, SftpFileAttributes.Empty, default);
        var data = new byte[chunk];
        for (int off = 0; off < total; off += chunk)
        {
            await file.WriteAsync(off, data.AsMemory(0, Math.Min(chunk, total - off)), default);
        }

        if (close)
        {
            await file.CloseAsync(default);
        }
    }

    [Fact]
    public async Task CrossingTheSizeQuotaFailsThatWriteAndLeavesOtherFilesAlone()
    {
        var (fs, tracker) = Create(100_000, 0);
        await WriteAsync(fs, "/first.bin", 60_000);
        var ex = await Assert.ThrowsAsync<SftpException>(() => WriteAsync(fs, "/second.bin", 60_000));
        Assert.Equal(SftpStatusCode.QuotaExceeded, ex.Code);
        Assert.Contains("quota exceeded", ex.Message);
        Assert.Equal(60_000, new FileInfo(Path.Combine(_root, "first.bin")).Length);
        Assert.Equal(40_000, new FileInfo(Path.Combine(_root, "second.bin")).Length); // written up to the limit, not past it
        Assert.Equal(100_000, tracker.UsedSize);
        Assert.Equal(100_000, _persisted.Sum(p => p.Size));
    }

    [Fact]
    public async Task FullQuotaRefusesTheUploadBeforeItStarts()
    {
        var (fs, _) = Create(10_000, 0);
        await WriteAsync(fs, "/a", 10_000);
        var ex = await Assert.ThrowsAsync<SftpException>(() => fs.OpenFileAsync("/b", SftpOpenFlags.Write | SftpOpenFlags.Create, SftpFileAttributes.Empty, default).AsTask());
        Assert.Equal(SftpStatusCode.QuotaExceeded, ex.Code);
        Assert.False(File.Exists(Path.Combine(_root, "b")));
    }

    [Fact]
    public async Task FileCountQuota()
    {
        var (fs, tracker) = Create(0, 2);
        await WriteAsync(fs, "/1", 10);
        await WriteAsync(fs, "/2", 10);
        await WriteAsync(fs, "/2", 20); // overwriting is not a new file
        await Assert.ThrowsAsync<SftpException>(() => WriteAsync(fs, "/3", 10));
        Assert.Equal(2, tracker.UsedFiles);
        await fs.RemoveFileAsync("/1", default);
        await WriteAsync(fs, "/3", 10);
        Assert.Equal(2, tracker.UsedFiles);
    }

    [Fact]
    public async Task OverwriteChargesTheDifferenceAndRemoveRefunds()
    {
        var (fs, tracker) = Create(1_000_000, 0);
        await WriteAsync(fs, "/f", 1_000);
        await WriteAsync(fs, "/f", 400);
        Assert.Equal(400, tracker.UsedSize);
        await fs.SetAttributesAsync("/f", new SftpFileAttributes { Size = 1_500 }, true, default);
        Assert.Equal(1_500, tracker.UsedSize);
        await fs.RemoveFileAsync("/f", default);
        Assert.Equal(0, tracker.UsedSize);
        Assert.Equal(0, tracker.UsedFiles);
        Assert.Equal(0, _persisted.Sum(p => p.Size));
        Assert.Equal(0, _persisted.Sum(p => p.Files));
    }

    [Fact]
    public async Task AbandonedAtomicUploadIsRefunded()
    {
        var (fs, tracker) = Create(1_000_000, 10, UploadMode.Atomic);
        await WriteAsync(fs, "/partial", 50_000, close: false);
        Assert.False(File.Exists(Path.Combine(_root, "partial")));
        Assert.Equal(0, tracker.UsedSize);
        Assert.Equal(0, tracker.UsedFiles);
    }

    [Fact]
    public async Task AbandonedStandardUploadStaysCharged()
    {
        var (fs, tracker) = Create(1_000_000, 10);
        await WriteAsync(fs, "/partial", 50_000, close: false);
        Assert.Equal(50_000, new FileInfo(Path.Combine(_root, "partial")).Length);
        Assert.Equal(50_000, tracker.UsedSize);
        Assert.Equal(50_000, _persisted.Sum(p => p.Size));
    }
}

public sealed class BandwidthLimiterTests
{
    [Fact]
    public async Task PacesToTheConfiguredRate()
    {
        // 1 MiB at 512 KiB/s: about two seconds (a functional check with a generous margin, not a benchmark).
        var limiter = new BandwidthLimiter(512);
        var sw = Stopwatch.StartNew();
        for (int i = 0; i < 32; i++)
        {
            await limiter.WaitAsync(32 * 1024, default);
        }

        sw.Stop();
        Assert.InRange(sw.Elapsed.TotalSeconds, 1.7, 3.5);
    }

    [Fact]
    public async Task IdleTimeDoesNotBuildUpCredit()
    {
        var limiter = new BandwidthLimiter(1024);
        await Task.Delay(1000);
        var sw = Stopwatch.StartNew();
        for (int i = 0; i < 16; i++)
        {
            await limiter.WaitAsync(64 * 1024, default); // 1 MiB
        }

        Assert.True(sw.Elapsed.TotalSeconds > 0.8, $"{sw.Elapsed.TotalSeconds:F2} s");
    }
}
