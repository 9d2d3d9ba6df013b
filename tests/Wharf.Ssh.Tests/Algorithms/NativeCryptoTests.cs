using Wharf.Ssh.Algorithms.Ciphers;
using Wharf.Ssh.Algorithms.Native;

namespace Wharf.Ssh.Tests.Algorithms;

/// <summary>
/// libcrypto's AES-CTR, ChaCha20 and Poly1305 (the fast path on Linux) against the managed
/// implementations, which have their own published test vectors; and the Poly1305 vectors of
/// RFC 8439 through libcrypto directly.
/// </summary>
public class NativeCryptoTests
{
    private static void RequireNative()
    {
        // Every Linux that runs .NET has libcrypto 3 (the BCL needs it); elsewhere there is nothing to test.
        Assert.SkipUnless(OperatingSystem.IsLinux(), "libcrypto is used on Linux only");
        Assert.True(NativeCryptoCheck.Passed, "libcrypto.so.3 was not loaded or disagreed with the managed code");
    }

    [Fact]
    public void TheCiphersUseLibcryptoOnLinux()
    {
        RequireNative();
        using var ctr = new AesCtrKeystream(new byte[16], new byte[16]);
        using var chacha = new OpenSshChaCha20Poly1305(new byte[64]);
        Assert.True(ctr.IsNative);
        Assert.True(chacha.IsNative);

        using var managedCtr = new AesCtrKeystream(new byte[16], new byte[16], allowNative: false);
        using var managedChaCha = new OpenSshChaCha20Poly1305(new byte[64], allowNative: false);
        Assert.False(managedCtr.IsNative);
        Assert.False(managedChaCha.IsNative);
    }

    [Theory]
    [MemberData(nameof(PrimitiveVectorTests.Poly1305Vectors), MemberType = typeof(PrimitiveVectorTests))]
    public void NativePoly1305MatchesRfc8439(string key, string message, string tag)
    {
        RequireNative();
        using var poly = NativePoly1305.Create();
        Assert.NotNull(poly);
        var actual = new byte[16];
        poly.Compute(Convert.FromHexString(key), Convert.FromHexString(message), actual);
        Assert.Equal(Convert.FromHexString(tag), actual);
    }

    [Fact]
    public void NativePoly1305AgreesWithManagedOnRandomInputs()
    {
        RequireNative();
        var rng = new Random(8439);
        using var poly = NativePoly1305.Create();
        Assert.NotNull(poly);
        var key = new byte[32];
        var native = new byte[16];
        var managed = new byte[16];
        for (int n = 0; n < 300; n++)
        {
            rng.NextBytes(key);
            var message = new byte[n < 200 ? n : rng.Next(200, 70_000)];
            rng.NextBytes(message);
            poly.Compute(key, message, native);
            Poly1305.Compute(key, message, managed);
            Assert.Equal(managed, native);
        }
    }

    [Fact]
    public async Task DisposingACipherDuringATransformOnAnotherThreadWaitsForIt()
    {
        // A connection torn down while a channel writer is sealing disposes the cipher on one
        // thread while libcrypto runs on another: the context must outlive the call (else the
        // rest of the output is keystream from freed, cleansed memory, or a crash), and the
        // next call must fail cleanly.
        RequireNative();
        var key = new byte[16];
        var iv = new byte[16];
        new Random(5).NextBytes(key);
        var data = new byte[192 << 20];
        var expected = new byte[data.Length];
        using (var managed = new AesCtrKeystream(key, iv, allowNative: false))
        {
            managed.Transform(expected);
        }

        var cipher = NativeStreamCipher.CreateAesCtr(key, iv);
        Assert.NotNull(cipher);
        using var started = new ManualResetEventSlim();
        var transform = Task.Factory.StartNew(
            () =>
            {
                started.Set();
                cipher.Transform(data);
            },
            TestContext.Current.CancellationToken,
            TaskCreationOptions.LongRunning,
            TaskScheduler.Default);
        started.Wait(TestContext.Current.CancellationToken);
        await Task.Delay(5, TestContext.Current.CancellationToken);
        cipher.Dispose();
        await transform;

        Assert.True(expected.AsSpan().SequenceEqual(data), "the keystream changed when the cipher was disposed mid-call");
        Assert.Throws<ObjectDisposedException>(() => cipher.Transform(new byte[16]));
    }

    [Theory]
    [InlineData(16)]
    [InlineData(24)]
    [InlineData(32)]
    public void NativeAesCtrContinuesTheStreamAcrossCallsAsTheManagedOneDoes(int keySize)
    {
        RequireNative();
        var rng = new Random(keySize);
        for (int round = 0; round < 20; round++)
        {
            var key = new byte[keySize];
            var iv = new byte[16];
            rng.NextBytes(key);
            rng.NextBytes(iv);
            if (round % 2 == 0)
            {
                // A few blocks before the 128-bit counter wraps (and, on odd rounds, random).
                iv.AsSpan(0, 15).Fill(0xFF);
                iv[15] = 0xF0;
            }

            var data = new byte[rng.Next(1, 40_000)];
            rng.NextBytes(data);
            var viaNative = (byte[])data.Clone();
            var viaManaged = (byte[])data.Clone();
            using var native = new AesCtrKeystream(key, iv);
            using var managed = new AesCtrKeystream(key, iv, allowNative: false);
            Assert.True(native.IsNative);
            for (int at = 0; at < data.Length;)
            {
                // SSH calls it per packet: block multiples, but odd sizes must work too.
                int n = Math.Min(data.Length - at, rng.Next(0, 3) == 0 ? rng.Next(1, 100) : 16 * rng.Next(1, 300));
                native.Transform(viaNative.AsSpan(at, n));
                managed.Transform(viaManaged.AsSpan(at, n));
                at += n;
            }

            Assert.Equal(viaManaged, viaNative);
            Assert.NotEqual(data, viaNative);
        }
    }

    [Fact]
    public void NativeOpenSshChaCha20Poly1305MatchesTheManagedConstruction()
    {
        RequireNative();
        var rng = new Random(20);
        var key = new byte[64];
        rng.NextBytes(key);
        using var native = new OpenSshChaCha20Poly1305(key);
        using var managed = new OpenSshChaCha20Poly1305(key, allowNative: false);
        Assert.True(native.IsNative);
        uint[] sequenceNumbers = [0, 1, 2, 255, 256, 0x01020304, uint.MaxValue - 1, uint.MaxValue];
        foreach (uint seq in sequenceNumbers)
        {
            foreach (int size in (int[])[4, 5, 64, 68, 1000, 32_768 + 13, 262_144])
            {
                var packet = new byte[size];
                rng.NextBytes(packet);
                var a = (byte[])packet.Clone();
                var b = (byte[])packet.Clone();
                var tagA = new byte[16];
                var tagB = new byte[16];

                native.CryptLength(seq, a.AsSpan(0, 4));
                native.CryptPayload(seq, a.AsSpan(4));
                native.ComputeTag(seq, a, tagA);
                managed.CryptLength(seq, b.AsSpan(0, 4));
                managed.CryptPayload(seq, b.AsSpan(4));
                managed.ComputeTag(seq, b, tagB);

                Assert.Equal(b, a);
                Assert.Equal(tagB, tagA);
            }
        }
    }
}
