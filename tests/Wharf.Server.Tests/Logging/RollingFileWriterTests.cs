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
}
