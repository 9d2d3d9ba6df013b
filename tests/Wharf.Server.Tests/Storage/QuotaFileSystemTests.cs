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

    /// <summary>What a no-follow scan of the home says: the used quota must always equal it at rest.</summary>
    private ScannedQuota OnDisk() => QuotaScanner.Scan(_root);

    private void AssertMatchesDisk(QuotaTracker tracker)
    {
        var disk = OnDisk();
        Assert.Equal((disk.Size, disk.Files), (tracker.UsedSize, tracker.UsedFiles));
        Assert.Equal((disk.Size, disk.Files), (_persisted.Sum(p => p.Size), _persisted.Sum(p => p.Files)));
    }

    [Fact]
    public async Task HardLinkThenDeleteRepeatedNeverDrivesTheQuotaBelowWhatIsOnDisk()
    {
        var (fs, tracker) = Create(1 << 20, 10);
        await WriteAsync(fs, "/data", 100_000);
        for (int i = 0; i < 5; i++)
        {
            await fs.CreateHardLinkAsync("/data", "/link", default);
            await fs.RemoveFileAsync("/data", default);
            await fs.RenameAsync("/link", "/data", false, default);
        }

        Assert.Equal(100_000, tracker.UsedSize);
        Assert.Equal(1, tracker.UsedFiles);
        AssertMatchesDisk(tracker);
        await fs.RemoveFileAsync("/data", default);
        AssertMatchesDisk(tracker);
        Assert.Equal(0, tracker.UsedSize);
    }

    [Fact]
    public async Task RenamingAFileOntoItsOwnHardLinkRefundsNothing()
    {
        var (fs, tracker) = Create(1 << 20, 10);
        await WriteAsync(fs, "/a", 50_000);
        await fs.CreateHardLinkAsync("/a", "/b", default);
        await fs.RenameAsync("/a", "/b", true, default); // rename(2) does nothing: both names stay
        Assert.True(File.Exists(Path.Combine(_root, "a")));
        AssertMatchesDisk(tracker);
        await WriteAsync(fs, "/c", 10_000);
        await fs.RenameAsync("/c", "/b", true, default); // replaces one name of a; a keeps its data
        AssertMatchesDisk(tracker);
        Assert.Equal(60_000, tracker.UsedSize);
    }

    [Fact]
    public async Task SymlinksCostNothingAndRemovingThemRefundsNothing()
    {
        var (fs, tracker) = Create(1 << 20, 10);
        await WriteAsync(fs, "/f", 1_000);
        for (int i = 0; i < 10; i++)
        {
            await fs.CreateSymbolicLinkAsync("/l", "/f", default);
            await fs.RemoveFileAsync("/l", default);
        }

        await fs.CreateSymbolicLinkAsync("/l", "/f", default);
        await WriteAsync(fs, "/g", 10);
        await fs.RenameAsync("/g", "/l", true, default); // a file replacing a symlink frees nothing
        Assert.Equal(2, tracker.UsedFiles);
        AssertMatchesDisk(tracker);
    }

    [Fact]
    public async Task TruncatingThePathUnderAnOpenHandleDoesNotMakeItsLaterWritesFree()
    {
        var (fs, tracker) = Create(1 << 20, 10);
        await using var file = await fs.OpenFileAsync("/big", SftpOpenFlags.Write | SftpOpenFlags.Create, SftpFileAttributes.Empty, default);
        var chunk = new byte[64 * 1024];
        long offset = 0;
        SftpException? refused = null;
        for (int round = 0; round < 40 && refused is null; round++)
        {
            try
            {
                await file.WriteAsync(offset, chunk, default);
                offset += chunk.Length;
                if (offset % (512 * 1024) == 0)
                {
                    // Behind the handle's back: refunds what is on disk, but the handle goes on at its offset.
                    await fs.SetAttributesAsync("/big", new SftpFileAttributes { Size = 0 }, true, default);
                }
            }
            catch (SftpException ex)
            {
                refused = ex;
            }
        }

        Assert.Equal(SftpStatusCode.QuotaExceeded, refused?.Code);
        Assert.True(new FileInfo(Path.Combine(_root, "big")).Length <= 1 << 20, "more than the quota is stored");
        await file.CloseAsync(default);
        AssertMatchesDisk(tracker);
    }

    [Fact]
    public async Task FailedFsetstatRefundsNothing()
    {
        var (fs, tracker) = Create(1 << 20, 10);
        await WriteAsync(fs, "/f", 100_000);
        await using (var file = await fs.OpenFileAsync("/f", SftpOpenFlags.Write, SftpFileAttributes.Empty, default))
        {
            for (int i = 0; i < 3; i++)
            {
                var ex = await Assert.ThrowsAsync<SftpException>(() => file.SetAttributesAsync(new SftpFileAttributes { Size = ulong.MaxValue }, default).AsTask());
                Assert.Contains("size out of range", ex.Message);
            }

            await file.CloseAsync(default);
        }

        Assert.Equal(100_000, tracker.UsedSize);
        AssertMatchesDisk(tracker);
    }

    [Fact]
    public async Task FsetstatAndOpenTruncateChargeWhatReallyChanged()
    {
        var (fs, tracker) = Create(1 << 20, 10);
        await WriteAsync(fs, "/f", 100_000);
        await fs.CreateHardLinkAsync("/f", "/f2", default);
        await using (var file = await fs.OpenFileAsync("/f", SftpOpenFlags.Write, SftpFileAttributes.Empty, default))
        {
            await fs.SetAttributesAsync("/f2", new SftpFileAttributes { Size = 0 }, true, default); // behind the handle
            await file.SetAttributesAsync(new SftpFileAttributes { Size = 10 }, default);
            await Assert.ThrowsAsync<SftpException>(() => file.SetAttributesAsync(new SftpFileAttributes { Size = 2 << 20 }, default).AsTask());
            await file.CloseAsync(default);
        }

        AssertMatchesDisk(tracker);
        await WriteAsync(fs, "/f2", 0); // OPEN with TRUNC through the other name truncates the same file
        AssertMatchesDisk(tracker);
        Assert.Equal(0, tracker.UsedSize);
    }

    [Fact]
    public async Task OpenTruncateThroughASymlinkRefundsTheTargetNotTheLink()
    {
        var (fs, tracker) = Create(1 << 20, 10);
        await WriteAsync(fs, "/target", 5);
        await fs.CreateSymbolicLinkAsync("/link", "/target", default);
        await WriteAsync(fs, "/link", 200);
        Assert.Equal(200, new FileInfo(Path.Combine(_root, "target")).Length);
        AssertMatchesDisk(tracker);
    }

    [Fact]
    public async Task RemovingAFileStillOpenKeepsItChargedUntilItsHandleCloses()
    {
        var (fs, tracker) = Create(200_000, 10);
        var file = await fs.OpenFileAsync("/held", SftpOpenFlags.Write | SftpOpenFlags.Create, SftpFileAttributes.Empty, default);
        await file.WriteAsync(0, new byte[150_000], default);
        await fs.RemoveFileAsync("/held", default);

        // The removed file's data is still on disk and readable through the handle: no room for another 150 KB.
        await Assert.ThrowsAsync<SftpException>(() => WriteAsync(fs, "/next", 150_000));
        Assert.Equal(50_000, new FileInfo(Path.Combine(_root, "next")).Length); // up to the limit, not past it
        await fs.RemoveFileAsync("/next", default);
        await file.WriteAsync(150_000, new byte[10_000], default); // still charged while held
        Assert.Equal(160_000, tracker.UsedSize);
        await file.CloseAsync(default);
        await file.DisposeAsync();
        AssertMatchesDisk(tracker);
        Assert.Equal(0, tracker.UsedSize);
    }

    [Fact]
    public async Task AppendChargesFromTheRealEndOfTheFile()
    {
        var (fs, tracker) = Create(100_000, 10);
        await WriteAsync(fs, "/log", 60_000);
        await using (var file = await fs.OpenFileAsync("/log", SftpOpenFlags.Write | SftpOpenFlags.Append, SftpFileAttributes.Empty, default))
        {
            await fs.SetAttributesAsync("/log", new SftpFileAttributes { Size = 0 }, true, default);
            await file.WriteAsync(0, new byte[30_000], default);
            await file.WriteAsync(0, new byte[30_000], default);
            await Assert.ThrowsAsync<SftpException>(() => file.WriteAsync(0, new byte[50_000], default).AsTask());
            await file.CloseAsync(default);
        }

        Assert.Equal(60_000, new FileInfo(Path.Combine(_root, "log")).Length);
        AssertMatchesDisk(tracker);
    }

    [Theory]
    [InlineData(UploadMode.Atomic)]
    [InlineData(UploadMode.AtomicWithResume)]
    public async Task AtomicOverwritesAndResumesEndExact(UploadMode mode)
    {
        var (fs, tracker) = Create(1 << 20, 10, mode);
        await WriteAsync(fs, "/f", 600_000);
        await WriteAsync(fs, "/f", 700_000); // the replaced file's size is credited: fits in 1 MiB
        AssertMatchesDisk(tracker);
        await fs.CreateHardLinkAsync("/f", "/g", default);
        await WriteAsync(fs, "/f", 100_000); // replaces one name only: the other keeps 700 KB
        AssertMatchesDisk(tracker);
        await using (var file = await fs.OpenFileAsync("/g", SftpOpenFlags.Write | SftpOpenFlags.Append, SftpFileAttributes.Empty, default))
        {
            await file.WriteAsync(0, new byte[50_000], default);
            await file.CloseAsync(default);
        }

        Assert.Equal(750_000, new FileInfo(Path.Combine(_root, "g")).Length);
        AssertMatchesDisk(tracker);
        await WriteAsync(fs, "/g", 10_000, close: false); // abandoned: dropped, or kept as the target when resuming
        AssertMatchesDisk(tracker);
    }

    [Fact]
    public async Task ScanWhileAnAtomicUploadIsInFlightKeepsItsCharge()
    {
        var (fs, tracker) = Create(1 << 20, 10, UploadMode.Atomic);
        await using var file = await fs.OpenFileAsync("/up", SftpOpenFlags.Write | SftpOpenFlags.Create, SftpFileAttributes.Empty, default);
        await file.WriteAsync(0, new byte[300_000], default);
        tracker.ApplyScan(QuotaScanner.Scan(_root, tracker.InFlightFiles()));
        Assert.Equal(300_000, tracker.UsedSize);
        await file.CloseAsync(default);
        Assert.Equal((300_000L, 1), (tracker.UsedSize, tracker.UsedFiles));
        Assert.Equal(OnDisk(), new ScannedQuota(tracker.UsedSize, tracker.UsedFiles));
    }
}

public sealed class QuotaScannerTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "wharf-scan-" + Guid.NewGuid().ToString("N")[..8]);
    private readonly string _outside = Path.Combine(Path.GetTempPath(), "wharf-scan-out-" + Guid.NewGuid().ToString("N")[..8]);

    public QuotaScannerTests()
    {
        Directory.CreateDirectory(_root);
        Directory.CreateDirectory(_outside);
        File.WriteAllBytes(Path.Combine(_outside, "secret"), new byte[50_000]);
        Directory.CreateDirectory(Path.Combine(_outside, "tree"));
        File.WriteAllBytes(Path.Combine(_outside, "tree", "more"), new byte[70_000]);
    }

    public void Dispose()
    {
        Directory.Delete(_root, true);
        Directory.Delete(_outside, true);
    }

    [Fact]
    public void NeverFollowsSymlinksToFilesOrDirectories()
    {
        File.WriteAllBytes(Path.Combine(_root, "own"), new byte[1_000]);
        Directory.CreateDirectory(Path.Combine(_root, "sub"));
        File.WriteAllBytes(Path.Combine(_root, "sub", "inner"), new byte[2_000]);
        File.CreateSymbolicLink(Path.Combine(_root, "to-file"), Path.Combine(_outside, "secret"));
        Directory.CreateSymbolicLink(Path.Combine(_root, "sub", "to-dir"), _outside);
        Directory.CreateSymbolicLink(Path.Combine(_root, "etc"), "/etc");
        Assert.Equal(new ScannedQuota(3_000, 2), QuotaScanner.Scan(_root));
    }

    [Fact]
    public void CountsEachHardLinkedFileOnceAndSkipsOnlyUploadsInFlight()
    {
        File.WriteAllBytes(Path.Combine(_root, "a"), new byte[4_000]);
        Directory.CreateDirectory(Path.Combine(_root, "d"));
        Assert.Equal(0, Link(Path.Combine(_root, "a"), Path.Combine(_root, "d", "b")));
        var leftover = Path.Combine(_root, ".wharf-upload-0123456789abcdef01234567.tmp");
        File.WriteAllBytes(leftover, new byte[500]);
        Assert.Equal(new ScannedQuota(4_500, 2), QuotaScanner.Scan(_root)); // a leftover temporary file is on disk: it counts
        Assert.Equal(new ScannedQuota(0, 0), QuotaScanner.Scan(Path.Combine(_root, "missing")));
    }

    [Fact]
    public async Task ADirectorySwappedForASymlinkMidScanIsNotFollowed()
    {
        // Many directories, each swapped for a link out of the home while the scan runs: whatever
        // the timing, the scan may miss a swapped directory but never counts what is outside.
        for (int i = 0; i < 200; i++)
        {
            Directory.CreateDirectory(Path.Combine(_root, $"d{i}"));
        }

        using var stop = new CancellationTokenSource();
        var swapper = Task.Run(() =>
        {
            for (int i = 0; i < 200 && !stop.IsCancellationRequested; i++)
            {
                var dir = Path.Combine(_root, $"d{i}");
                Directory.Delete(dir);
                Directory.CreateSymbolicLink(dir, _outside);
            }
        });
        try
        {
            for (int round = 0; round < 50 && !swapper.IsCompleted; round++)
            {
                Assert.Equal(new ScannedQuota(0, 0), QuotaScanner.Scan(_root));
            }
        }
        finally
        {
            await stop.CancelAsync();
            await swapper;
        }

        Assert.Equal(new ScannedQuota(0, 0), QuotaScanner.Scan(_root));
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "link", SetLastError = true)]
    private static extern int Link(string existing, string created);
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
