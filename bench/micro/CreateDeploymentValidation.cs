using BenchmarkDotNet.Attributes;
using CleanScheduler.Application.Features.Deployments;
using CleanScheduler.Domain.Common;
using FluentValidation;
using FluentValidation.Results;

namespace CleanScheduler.Micro;

/// <summary>The create-deployment validator as the validation behaviour runs it (built once), against building it per request.</summary>
[MemoryDiagnoser]
public class CreateDeploymentValidation
{
    private static readonly CreateDeploymentValidator Shared = new();

    private readonly CreateDeploymentCommand _command = new(new TeamId(Guid.CreateVersion7()), "sample", new TemplateId(Guid.CreateVersion7()), null,
        new Dictionary<string, string?> { ["PAGE_TITLE"] = "Bench" });

    [GlobalSetup]
    public void Setup()
    {
        if (!Shared.Validate(_command).IsValid) throw new InvalidOperationException("the benchmark's command must be valid");
    }

    [Benchmark(Baseline = true, Description = "validator built once")]
    public Task<ValidationResult> Shared_validator() => Shared.ValidateAsync(_command);

    [Benchmark(Description = "validator built per request")]
    public Task<ValidationResult> Validator_per_request() => new CreateDeploymentValidator().ValidateAsync(_command);
}
