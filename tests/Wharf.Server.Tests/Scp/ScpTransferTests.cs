using System.IO.Pipelines;
using System.Text;
using Wharf.Server.Commands.Scp;
using Wharf.Sftp.FileSystem.Local;

namespace Wharf.Server.Tests.Scp;

public sealed class ScpTransferTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "wharf-scp-" + Guid.NewGuid().ToString("N")[..8]);
    private readonly string _root;

    public ScpTransferTests()
    {
        _root = Path.Combine(_dir, "root");
        Directory.CreateDirectory(_root);
    }

    public void Dispose() => Directory.Delete(_dir, true);

    private static ScpArguments Args(params string[] args) => ScpArguments.Parse(args).Arguments!;

    private static byte[] B(string s) => Encoding.UTF8.GetBytes(s);

    /// <summary>Runs a transfer against the given input; never waits longer than a few seconds.</summary>
    private async Task<(int Status, string Output)> RunAsync(ScpArguments args, byte[] input, bool endInput = true)
    {
        var pipe = new Pipe();
        await pipe.Writer.WriteAsync(input);
        if (endInput)
        {
            await pipe.Writer.CompleteAsync();
        }

        var output = new MemoryStream();
        var io = new PipeScpStream(pipe.Reader, (d, _) =>
        {
            lock (output)
            {
                output.Write(d.Span);
            }

            return ValueTask.CompletedTask;
        });
        using var fs = new LocalFileSystem(new LocalFileSystemOptions { RootDirectory = _root });
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        int status = await new ScpTransfer(io, fs, args, cts.Token).RunAsync().WaitAsync(TimeSpan.FromSeconds(10));
        return (status, Encoding.UTF8.GetString(output.ToArray()));
    }

    private void AssertNothingOutsideRoot() =>
        Assert.Equal([_root], Directory.GetFileSystemEntries(_dir));

    [Fact]
    public async Task UploadsAFileIntoAnExistingDirectory()
    {
        var (status, output) = await RunAsync(Args("-t", "."), B("C0640 5 a.txt\nhello\0"));
        Assert.Equal(0, status);
        Assert.Equal("\0\0\0", output);
        Assert.Equal("hello", await File.ReadAllTextAsync(Path.Combine(_root, "a.txt")));
        Assert.Equal((UnixFileMode)0x1A0, File.GetUnixFileMode(Path.Combine(_root, "a.txt")));
    }

    [Fact]
    public async Task ATargetThatIsNotADirectoryIsTheFileName()
    {
        var (status, _) = await RunAsync(Args("-t", "renamed.txt"), B("C0644 2 orig.txt\nhi\0"));
        Assert.Equal(0, status);
        Assert.Equal("hi", await File.ReadAllTextAsync(Path.Combine(_root, "renamed.txt")));
        Assert.False(File.Exists(Path.Combine(_root, "orig.txt")));
    }

    [Fact]
    public async Task RecursiveUploadWithPreservedTimesAndModes()
    {
        var input = B("T1000000000 0 1000000001 0\nD0750 0 tree\nT1200000000 0 1200000000 0\nC0600 3 f.txt\nabc\0D0755 0 sub\nC0644 0 empty\n\0E\nE\n");
        var (status, output) = await RunAsync(Args("-r", "-p", "-t", "/"), input);
        Assert.Equal(0, status);
        Assert.DoesNotContain('\u0001', output);
        var tree = Path.Combine(_root, "tree");
        Assert.Equal("abc", await File.ReadAllTextAsync(Path.Combine(tree, "f.txt")));
        Assert.Equal((UnixFileMode)0x180, File.GetUnixFileMode(Path.Combine(tree, "f.txt")));
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1200000000).UtcDateTime, File.GetLastWriteTimeUtc(Path.Combine(tree, "f.txt")));
        Assert.Equal((UnixFileMode)0x1E8, File.GetUnixFileMode(tree));
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1000000000).UtcDateTime, Directory.GetLastWriteTimeUtc(tree));
        Assert.Equal(0, new FileInfo(Path.Combine(tree, "sub", "empty")).Length);
    }

    [Theory]
    [InlineData("C0644 -5 x\n")]
    [InlineData("C0644 10 ../x\n")]
    [InlineData("C0644 10 ..\n")]
    [InlineData("C0644 1 a/b\n")]
    [InlineData("C0644 1 \n")]
    [InlineData("C0644 99999999999999999999 x\n")]
    [InlineData("C0644 9223372036854775808 x\n")]
    [InlineData("C06x4 1 x\n")]
    [InlineData("C0644\n")]
    [InlineData("C0644 5x\n")]
    [InlineData("X junk\n")]
    [InlineData("\n")]
    [InlineData("T1 0 2\n")]
    [InlineData("T-1 0 2 0\n")]
    [InlineData("T1 0 2 0 junk\n")]
    [InlineData("D0755 0 d\n")]
    [InlineData("E\n")]
    [InlineData("C0644 5 x")]
    [InlineData("C0644 10 x\nabc")]
    public async Task MalformedInputGetsAnErrorReplyAndAFailureStatus(string input)
    {
        var (status, output) = await RunAsync(Args("-t", "/"), B(input));
        Assert.Equal(1, status);
        Assert.StartsWith("\0", output);
        int error = output.IndexOfAny(['\u0001', '\u0002']);
        Assert.True(error > 0, output);
        Assert.StartsWith("scp: ", output[(error + 1)..]);
        Assert.EndsWith("\n", output);
        AssertNothingOutsideRoot();
        Assert.False(Directory.Exists(Path.Combine(_root, "d")));
    }

    [Fact]
    public async Task AnEndlessLineWithoutNewlineIsRefusedWithoutWaitingForMore()
    {
        var (status, output) = await RunAsync(Args("-t", "/"), B("C0644 1 " + new string('a', 10_000)), endInput: false);
        Assert.Equal(1, status);
        Assert.Contains("too long", output);
    }

    [Fact]
    public async Task DataThatDoesNotArriveEndsTheTransferWhenCancelled()
    {
        var pipe = new Pipe();
        await pipe.Writer.WriteAsync(B("C0644 100 x\nabc"));
        var io = new PipeScpStream(pipe.Reader, (_, _) => ValueTask.CompletedTask);
        using var fs = new LocalFileSystem(new LocalFileSystemOptions { RootDirectory = _root });
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => new ScpTransfer(io, fs, Args("-t", "/"), cts.Token).RunAsync().WaitAsync(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task AFailedFileIsReportedAndTheNextOneStillArrives()
    {
        Directory.CreateDirectory(Path.Combine(_root, "isdir"));
        var (status, output) = await RunAsync(Args("-t", "/"), B("C0644 1 isdir\nC0644 2 ok\nok\0"));
        Assert.Equal(1, status);
        Assert.StartsWith("\0\u0001scp: /isdir: ", output);
        Assert.EndsWith("\n\0\0", output);
        Assert.Equal("ok", await File.ReadAllTextAsync(Path.Combine(_root, "ok")));
    }

    [Fact]
    public async Task TheClientsReadFailureDiscardsNothingElseAndGetsAReply()
    {
        var (status, output) = await RunAsync(Args("-t", "/"), B("C0644 2 f\nxx\u0001scp: f: read error\n"));
        Assert.Equal(1, status);
        Assert.Equal("\0\0\0", output);
    }

    [Fact]
    public async Task DirectoryTargetRequiredByMinusD()
    {
        var (status, output) = await RunAsync(Args("-d", "-t", "/nope"), B(""));
        Assert.Equal(1, status);
        Assert.Equal("\u0001scp: /nope: Not a directory\n", output);
    }

    [Fact]
    public async Task WildcardsAreLiteralNames()
    {
        await File.WriteAllTextAsync(Path.Combine(_root, "a.txt"), "a");
        var (status, output) = await RunAsync(Args("-f", "*.txt"), B("\0"));
        Assert.Equal(1, status);
        Assert.Equal("\u0001scp: /*.txt: No such file or directory\n", output);
    }

    [Fact]
    public async Task DownloadsAFile()
    {
        await File.WriteAllTextAsync(Path.Combine(_root, "a.txt"), "hello");
        File.SetUnixFileMode(Path.Combine(_root, "a.txt"), (UnixFileMode)0x1A0);
        var (status, output) = await RunAsync(Args("-f", "/a.txt"), B("\0\0\0"));
        Assert.Equal(0, status);
        Assert.Equal("C0640 5 a.txt\nhello\0", output);
    }

    [Fact]
    public async Task DownloadsATreeWithTimes()
    {
        Directory.CreateDirectory(Path.Combine(_root, "t", "s"));
        await File.WriteAllTextAsync(Path.Combine(_root, "t", "s", "f"), "xy");
        File.SetLastWriteTimeUtc(Path.Combine(_root, "t", "s", "f"), DateTimeOffset.FromUnixTimeSeconds(1234567890).UtcDateTime);
        // Replies: start, T, D t, D s, T, C f, data, E, E.
        var (status, output) = await RunAsync(Args("-r", "-p", "-f", "t"), B(new string('\0', 10)));
        Assert.Equal(0, status);
        Assert.Matches(@"^T\d+ 0 \d+ 0\nD0755 0 t\nT\d+ 0 \d+ 0\nD0755 0 s\nT1234567890 0 \d+ 0\nC0644 2 f\nxy\0E\nE\n$", output);
    }

    [Fact]
    public async Task ADirectoryWithoutMinusRIsNotARegularFile()
    {
        Directory.CreateDirectory(Path.Combine(_root, "d"));
        var (status, output) = await RunAsync(Args("-f", "d"), B("\0"));
        Assert.Equal(1, status);
        Assert.Equal("\u0001scp: /d: not a regular file\n", output);
    }

    [Fact]
    public async Task AClientErrorSkipsTheFile()
    {
        await File.WriteAllTextAsync(Path.Combine(_root, "a.txt"), "hello");
        var (status, output) = await RunAsync(Args("-f", "a.txt"), B("\0\u0001scp: a.txt: Permission denied\n"));
        Assert.Equal(1, status);
        Assert.Equal("C0644 5 a.txt\n", output);
    }

    [Fact]
    public async Task PathsAboveTheRootStayInside()
    {
        var (status, _) = await RunAsync(Args("-t", "../../x"), B("C0644 1 y\nz\0"));
        Assert.Equal(0, status);
        Assert.True(File.Exists(Path.Combine(_root, "x")));
        AssertNothingOutsideRoot();
    }

    [Theory]
    [InlineData("-t")]
    [InlineData("-t a b")]
    [InlineData("-f -t a")]
    [InlineData("a")]
    [InlineData("-x -t a")]
    public void BadArgumentsAreRefused(string args) => Assert.NotNull(ScpArguments.Parse(args.Split(' ')).Error);

    [Fact]
    public void ArgumentsLikeOpenSshSendsThem()
    {
        Assert.Equal(new ScpArguments(true, true, true, true, "-odd"), ScpArguments.Parse(["-v", "-r", "-p", "-d", "-t", "--", "-odd"]).Arguments);
        Assert.Equal(new ScpArguments(false, true, false, false, "x"), ScpArguments.Parse(["-rf", "x"]).Arguments);
    }
}
