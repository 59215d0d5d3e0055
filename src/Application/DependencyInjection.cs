using CleanScheduler.Application.Common.Behaviors;
using CleanScheduler.Application.Features.Users;
using FluentValidation;
using MediatR;
using Microsoft.Extensions.DependencyInjection;

namespace CleanScheduler.Application;

public static class DependencyInjection
{
    /// <summary>
    /// MediatR 5.1.0 with handlers and validators found by Scrutor. Behaviours run in the order registered:
    /// logging, validation, authorization, then the retry of commands that lost a write race.
    /// </summary>
    public static IServiceCollection AddApplication(this IServiceCollection services)
    {
        services.AddScoped<ServiceFactory>(sp => sp.GetRequiredService);
        services.AddScoped<IMediator, Mediator>();
        services.Scan(scan => scan.FromAssemblyOf<UserProvisioner>()
            .AddClasses(c => c.AssignableToAny(typeof(IRequestHandler<,>), typeof(INotificationHandler<>)))
            .AsImplementedInterfaces()
            .WithTransientLifetime());
        // Validators are stateless and costly to build (FluentValidation compiles their rule expressions): build each once.
        services.Scan(scan => scan.FromAssemblyOf<UserProvisioner>()
            .AddClasses(c => c.AssignableTo(typeof(IValidator<>)))
            .AsImplementedInterfaces()
            .WithSingletonLifetime());
        services.AddTransient(typeof(IPipelineBehavior<,>), typeof(LoggingBehavior<,>));
        services.AddTransient(typeof(IPipelineBehavior<,>), typeof(ValidationBehavior<,>));
        services.AddTransient(typeof(IPipelineBehavior<,>), typeof(AuthorizationBehavior<,>));
        services.AddTransient(typeof(IPipelineBehavior<,>), typeof(RetryOnConflictBehavior<,>));
        services.AddScoped<UserProvisioner>();
        services.AddScoped<Common.ResourceAuthorizer>();
        services.AddScoped<Features.Templates.TemplateAccess>();
        services.AddSingleton<Features.Templates.TemplateSpecCache>();
        services.AddScoped<Features.Secrets.SecretScopeCleanup>();
        services.AddSingleton<Features.Templates.UserHandles>();
        services.AddSingleton<Features.Tasks.TaskSyncSignal>();
        services.AddSingleton<Features.Deployments.DeploymentMetrics>();
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton(Common.Mapping.Create());
        return services;
    }
}
