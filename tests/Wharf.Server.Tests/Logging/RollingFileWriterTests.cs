using System.IO.Compression;
using System.Text.Json;
using Wharf.Server.Logging;

namespace Wharf.Server.Tests.Logging;

public sealed class RollingFileWriterTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "wharf-log-" + Guid.NewGuid().ToString("N")[..8]);

    public void Dispose() => Directory.Delete(_dir, true);

    [Fact]
    public void RotatesBySizeAndKeepsOnlyTheNewestBackups()
    {
        using var w = new RollingFileWriter(Path.Combine(_dir, "wharf.log"), maxBackups: 2) { MaxBytesOverride = 1000 };
        for (int i = 0; i < 100; i++)
        {
            w.WriteLine($"line {i:D3} " + new string('x', 80));
            Thread.Sleep(i % 10 == 0 ? 2 : 0); // distinct backup timestamps
        }

        var backups = Directory.GetFiles(_dir, "wharf-*.log");
        Assert.Equal(2, backups.Length);
        Assert.True(new FileInfo(Path.Combine(_dir, "wharf.log")).Length <= 1000);
        Assert.Contains("line 099", File.ReadAllText(Path.Combine(_dir, "wharf.log")));
    }

    [Fact]
    public void CompressedBackupsAreGzip()
    {
        using (var w = new RollingFileWriter(Path.Combine(_dir, "c.log"), maxBackups: 5, compress: true) { MaxBytesOverride = 200 })
        {
            for (int i = 0; i < 10; i++)
            {
                w.WriteLine($"entry {i} " + new string('y', 50));
            }
        }

        var gz = Directory.GetFiles(_dir, "c-*.log.gz");
        Assert.NotEmpty(gz);
        using var reader = new StreamReader(new GZipStream(File.OpenRead(gz[0]), CompressionMode.Decompress));
        Assert.StartsWith("entry ", reader.ReadToEnd());
    }

    [Fact]
    public void JsonLinesCarryLevelTimeSenderAndFields()
    {
        var path = Path.Combine(_dir, "j.log");
        using (var log = new JsonLineLog(path, console: false))
        {
            log.Write("info", "Upload", "done", new Dictionary<string, object?> { ["size_bytes"] = 42L, ["username"] = "alice" });
        }

        using var doc = JsonDocument.Parse(File.ReadAllLines(path).Single());
        Assert.Equal("Upload", doc.RootElement.GetProperty("sender").GetString());
        Assert.Equal(42, doc.RootElement.GetProperty("size_bytes").GetInt64());
        Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}", doc.RootElement.GetProperty("time").GetString());
    }

    [Theory]
    [InlineData(false, new[] { "info", "warn", "error" })]
    [InlineData(true, new[] { "debug", "info", "warn", "error" })]
    public void SshLevelsUseSftpgoNamesAndDebugOnlyWhenVerbose(bool verbose, string[] expected)
    {
        // SFTPGo writes zerolog's names; dashboards filter on "info" and "warn", never "information".
        var path = Path.Combine(_dir, $"levels-{verbose}.log");
        using (var log = new JsonLineLog(path, console: false) { Verbose = verbose })
        {
            foreach (var level in Enum.GetValues<Wharf.Ssh.SshLogLevel>())
            {
                log.Write(JsonLineLog.LevelName(level), "sshd", level.ToString());
            }
        }

        var levels = File.ReadAllLines(path).Select(l => JsonDocument.Parse(l).RootElement.GetProperty("level").GetString()).ToArray();
        Assert.Equal(expected, levels);
    }
}

public sealed class AuditFileSystemTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "wharf-audit-" + Guid.NewGuid().ToString("N")[..8]);

    public void Dispose() => Directory.Delete(_dir, true);

    [Fact]
    public async Task TransfersAndCommandsAreLoggedWithTheSeedsFields()
    {
        Directory.CreateDirectory(Path.Combine(_dir, "root"));
        var logPath = Path.Combine(_dir, "audit.log");
        using (var log = new JsonLineLog(logPath, console: false))
        {
            var fs = new AuditFileSystem(new Wharf.Sftp.FileSystem.Local.LocalFileSystem(new() { RootDirectory = Path.Combine(_dir, "root") }), log, "alice", "c0ffee", "SFTP");
            await using (var f = await fs.OpenFileAsync("/up.bin", Wharf.Sftp.FileSystem.SftpOpenFlags.Write | Wharf.Sftp.FileSystem.SftpOpenFlags.Create, new(), default))
            {
                await f.WriteAsync(0, new byte[1234], default);
                await f.CloseAsync(default);
            }

            await using (var f = await fs.OpenFileAsync("/up.bin", Wharf.Sftp.FileSystem.SftpOpenFlags.Read, new(), default))
            {
                await f.ReadAsync(0, new byte[5000], default);
                await f.CloseAsync(default);
            }

            await fs.CreateDirectoryAsync("/d", new(), default);
            await fs.RenameAsync("/up.bin", "/d/moved.bin", false, default);
            await fs.SetAttributesAsync("/d/moved.bin", new() { Permissions = Convert.ToUInt32("640", 8) }, true, default);
            await Assert.ThrowsAsync<Wharf.Sftp.SftpException>(() => fs.RemoveFileAsync("/missing", default).AsTask());
        }

        var entries = File.ReadAllLines(logPath).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(["Upload", "Download", "Mkdir", "Rename", "Chmod"], entries.Select(e => e.GetProperty("sender").GetString()));
        Assert.Equal(1234, entries[0].GetProperty("size_bytes").GetInt64());
        Assert.Equal(1234, entries[1].GetProperty("size_bytes").GetInt64());
        Assert.Equal("/up.bin", entries[0].GetProperty("file_path").GetString());
        Assert.Equal("c0ffee", entries[0].GetProperty("connection_id").GetString());
        Assert.Equal("SFTP", entries[0].GetProperty("protocol").GetString());
        Assert.True(entries[0].GetProperty("elapsed_ms").GetInt64() >= 0);
        Assert.Equal("/d/moved.bin", entries[3].GetProperty("target_path").GetString());
        Assert.Equal("0640", entries[4].GetProperty("filemode").GetString());
        Assert.Equal(-1, entries[4].GetProperty("uid").GetInt64());
    }
}
