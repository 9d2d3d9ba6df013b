using Wharf.Ssh.IO;

namespace Wharf.Ssh.Tests.IO;

public sealed class SshWriterTests
{
    [Fact]
    public void AWriterCanBeUsedAgainAfterDispose()
    {
        // The SFTP session keeps reply writers after sending them (their buffers go back to the
        // pool): the next reply must get a fresh buffer of the size asked for, not the empty one.
        var w = new SshWriter(16);
        w.WriteUInt32(1);
        w.Dispose();
        Assert.Equal(0, w.Length);

        w.EnsureCapacity(40_000);
        w.Reset(4);
        w.WriteString("after");
        w.WriteRaw(new byte[39_000]);
        Assert.Equal(4 + 4 + 5 + 39_000, w.Length);
        Assert.Equal("after", new SshReader(w.WrittenSpan[4..]).ReadString());

        var other = new SshWriter(8);
        other.Dispose();
        other.WriteByte(42);
        Assert.Equal([42], other.WrittenSpan.ToArray());
        w.Dispose();
        other.Dispose();
    }
}
