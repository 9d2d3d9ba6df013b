using System.Text;
using Wharf.Server.Accounts.Passwords;

namespace Wharf.Server.Tests.Passwords;

/// <summary>
/// The reuse of Argon2's work areas. In the timing collection (run alone): the pool is
/// process-wide, and hashes of tests running beside these would take the areas they look at.
/// </summary>
[Collection(TimingCollection.Name)]
public class Argon2WorkAreaTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private const long DefaultAreaBytes = PasswordHasher.DefaultMemoryKiB * 1024L;

    [Fact]
    public async Task VerificationsOnTheVerifierReuseTheirWorkAreas()
    {
        string hash = PasswordHasher.Hash("right");
        using var v = new PasswordVerifier(workers: 2, queueLimit: 64);

        // Bytes allocated by the worker thread during each check (per thread, so other threads do not count).
        Task<long> Measure(Func<bool> check)
        {
            Assert.True(v.TryRun(() =>
            {
                long before = GC.GetAllocatedBytesForCurrentThread();
                check();
                return GC.GetAllocatedBytesForCurrentThread() - before;
            }, Ct, out var t));
            return t;
        }

        // Warm-up: each worker's first hash may allocate its area.
        await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Measure(() => PasswordHasher.Verify("wrong", hash))));
        long areasBefore = Argon2WorkAreas.Allocated;
        var measured = await Task.WhenAll(Enumerable.Range(0, 16).Select(i =>
            Measure(() => i % 2 == 0 ? PasswordHasher.Verify("wrong", hash) : LoginDummy())));
        Assert.Equal(areasBefore, Argon2WorkAreas.Allocated);

        // A 19 MiB allocation per hash would show as ~19,922,944 bytes; what is left is the parsing,
        // Blake2b state and small buffers (a few KiB). 1 MiB is far below the one and far above the other.
        Assert.All(measured, bytes => Assert.True(bytes < 1024 * 1024, $"{bytes} bytes allocated by one verification"));
        Assert.True(measured.Max() < DefaultAreaBytes / 16);
    }

    private static bool LoginDummy()
    {
        PasswordHasher.VerifyDummy("guess");
        return false;
    }

    [Fact]
    public void AnAreaIsClearedWhenItComesBack()
    {
        var area = Argon2WorkAreas.Rent(4096); // possibly a bigger kept one: only the used prefix is cleared
        Array.Fill(area, 0xA5A5A5A5A5A5A5A5UL, 0, 4096);
        Argon2WorkAreas.Return(area, 4096);
        Assert.Equal(-1, Array.FindIndex(area, 0, 4096, w => w != 0));
    }

    [Fact]
    public void StaleContentInAReusedAreaDoesNotChangeTheTag()
    {
        // RFC 9106 §5 argon2id: 32 blocks of 128 words. An area of exactly that size, full of
        // garbage, handed back without clearing (usedWords 0): the next hash of that size gets it
        // (the smallest that fits) and must still match the vector, because the first pass writes
        // every block before reading it.
        var drained = Drain();
        var poisoned = new ulong[32 * 128];
        Array.Fill(poisoned, 0xDEADBEEFCAFEF00DUL);
        Argon2WorkAreas.Return(poisoned, 0);
        Assert.Equal(1, Argon2WorkAreas.FreeCount);

        byte[] tag = Argon2.Hash(Argon2Type.Argon2id, Fill(32, 1), Fill(16, 2), Fill(8, 3), Fill(12, 4), 32, 3, 4, 32);
        Assert.Equal("0d640df58d78766c08c037a34a8b53c9d01ef0452d75b65eb52520e96b01e659", Convert.ToHexStringLower(tag));
        Assert.Equal(-1, Array.FindIndex(poisoned, w => w != 0)); // it was the area used (and cleared after)

        // The same with the default parameters: a 19 MiB area of garbage, then a real verification.
        string hash = PasswordHasher.Hash("pw");
        drained.AddRange(Drain());
        var big = new ulong[PasswordHasher.DefaultMemoryKiB * 128];
        Array.Fill(big, ulong.MaxValue);
        Argon2WorkAreas.Return(big, 0);
        Assert.True(PasswordHasher.Verify("pw", hash));
        Assert.Equal(0UL, big[0]); // it was used
        Array.Fill(big, ulong.MaxValue);
        Argon2WorkAreas.Return(Drain().Single(), 0); // poisoned again
        Assert.False(PasswordHasher.Verify("px", hash));
        foreach (var area in drained)
        {
            Argon2WorkAreas.Return(area, area.Length);
        }
    }

    /// <summary>Takes every kept area out of the pool, so the next one put back is the only one.</summary>
    private static List<ulong[]> Drain()
    {
        var taken = new List<ulong[]>();
        while (Argon2WorkAreas.FreeCount > 0)
        {
            taken.Add(Argon2WorkAreas.Rent(1));
        }

        return taken;
    }

    [Fact]
    public void OtherSizesStillHashAndHugeAreasAreNotKept()
    {
        // SFTPGo's m=65536, p=2 and a small m both verify through the pool; an area above 64 MiB is dropped after use.
        byte[] pw = Encoding.UTF8.GetBytes("password");
        foreach (int m in new[] { 65536, 1024, PasswordHasher.DefaultMemoryKiB })
        {
            byte[] a = Argon2.Hash(Argon2Type.Argon2id, pw, Encoding.UTF8.GetBytes("somesalt"), default, default, m, 1, 2, 32);
            byte[] b = Argon2.Hash(Argon2Type.Argon2id, pw, Encoding.UTF8.GetBytes("somesalt"), default, default, m, 1, 2, 32);
            Assert.Equal(a, b);
        }

        var huge = Argon2WorkAreas.Rent(Argon2WorkAreas.MaxPooledWords + 128);
        int free = Argon2WorkAreas.FreeCount;
        Argon2WorkAreas.Return(huge, huge.Length);
        Assert.Equal(free, Argon2WorkAreas.FreeCount);
    }

    private static byte[] Fill(int n, byte b) => Enumerable.Repeat(b, n).ToArray();
}
