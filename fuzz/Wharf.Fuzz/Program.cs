using SharpFuzz;

namespace Wharf.Fuzz;

/// <summary>
/// The fuzz harness. <c>Wharf.Fuzz TARGET</c> runs one target under afl-fuzz (SharpFuzz's
/// out-of-process fork server); <c>Wharf.Fuzz TARGET FILE...</c> runs each file once and prints
/// the exception of a finding (exit 1); <c>--list</c> names the targets; <c>--write-seeds DIR</c>
/// writes the seed corpus, one folder per target.
/// </summary>
public static class Program
{
    public static int Main(string[] args)
    {
        if (args.Length == 0 || args[0] is "-h" or "--help")
        {
            Console.Error.WriteLine("usage: Wharf.Fuzz TARGET [FILE...] | --list | --write-seeds DIR");
            return 2;
        }

        if (args[0] == "--list")
        {
            foreach (var t in Targets.All)
            {
                Console.WriteLine($"{t.Name}\t{t.Description}");
            }

            return 0;
        }

        if (args[0] == "--write-seeds")
        {
            Seeds.Write(args.Length > 1 ? args[1] : "fuzz/corpus");
            return 0;
        }

        var target = Targets.All.FirstOrDefault(t => t.Name == args[0]);
        if (target is null)
        {
            Console.Error.WriteLine($"unknown target '{args[0]}' (--list names them)");
            return 2;
        }

        if (args.Length > 1)
        {
            int findings = 0;
            foreach (var file in args.Skip(1))
            {
                try
                {
                    target.Run(File.ReadAllBytes(file));
                }
                catch (Exception ex)
                {
                    findings++;
                    Console.WriteLine($"{target.Name}: {file}: {ex}");
                }
            }

            return findings == 0 ? 0 : 1;
        }

        Fuzzer.OutOfProcess.Run(stream =>
        {
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            target.Run(copy.ToArray());
        });
        return 0;
    }
}

/// <summary>One fuzz target: a parser fed the input bytes; any exception that escapes is a finding.</summary>
public sealed record Target(string Name, string Description, Action<byte[]> Run);

/// <summary>Every target, by name.</summary>
public static class Targets
{
    public static IReadOnlyList<Target> All { get; } =
    [
        .. SshTargets.All,
        .. SessionTargets.All,
        .. SftpTargets.All,
        .. ServerTargets.All,
    ];

    /// <summary>Runs <paramref name="action"/> and lets only <typeparamref name="TExpected"/> (the parser's clean refusal) pass.</summary>
    public static void Expect<TExpected>(Action action)
        where TExpected : Exception
    {
        try
        {
            action();
        }
        catch (TExpected)
        {
        }
    }

    /// <summary>Waits for an asynchronous target, with a bound: a hang becomes a finding even without afl's time-out.</summary>
    public static void Wait(Task task, int seconds = 10)
    {
        if (Task.WhenAny(task, Task.Delay(TimeSpan.FromSeconds(seconds))).GetAwaiter().GetResult() != task)
        {
            throw new TimeoutException($"the target did not finish within {seconds} s (a hang)");
        }

        task.GetAwaiter().GetResult();
    }
}
