using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

// A short job run in this process (no generated project to build): a full run stays within a few minutes on 2 cores.
// BENCH_MICRO_JOB=default runs BenchmarkDotNet's default job instead (longer, tighter error bounds).
var job = Environment.GetEnvironmentVariable("BENCH_MICRO_JOB") == "default" ? Job.Default : Job.ShortRun;
var config = DefaultConfig.Instance.AddJob(job.WithToolchain(InProcessEmitToolchain.Instance).AsDefault());
BenchmarkSwitcher.FromAssembly(typeof(CleanScheduler.Micro.JsonWriting).Assembly).Run(args, config);
