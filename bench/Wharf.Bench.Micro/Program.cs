using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

namespace Wharf.Bench.Micro;

/// <summary>
/// Micro-benchmarks of the packet path. In-process toolchain: no child project is generated or
/// restored, so it runs on a machine without network. Pass BenchmarkDotNet's own arguments,
/// e.g. <c>--filter *Packet*</c>; <c>--quick</c> (ours) runs BenchmarkDotNet's short job
/// instead of the default one, for a look in a minute rather than a measurement.
/// </summary>
public static class Program
{
    public static void Main(string[] args)
    {
        bool quick = args.Contains("--quick");
        args = [.. args.Where(a => a != "--quick")];
        var config = DefaultConfig.Instance
            .AddJob((quick ? Job.ShortRun : Job.Default).WithToolchain(InProcessEmitToolchain.Instance))
            .AddDiagnoser(MemoryDiagnoser.Default)
            .WithOptions(ConfigOptions.DisableOptimizationsValidator);
        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args, config);
    }
}
