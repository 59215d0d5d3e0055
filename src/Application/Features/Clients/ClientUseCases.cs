using CleanScheduler.Application.Common;
using CleanScheduler.Application.Common.Behaviors;
using CleanScheduler.Domain.Clients;
using CleanScheduler.Domain.Common;
using FluentValidation;
using MediatR;
using Microsoft.EntityFrameworkCore;

namespace CleanScheduler.Application.Features.Clients;

public sealed record BrandingDto(string DisplayName, string? LogoUrl, string PrimaryColor);

public sealed record ClientDto(Guid Id, string Name, IReadOnlyList<string> Domains, BrandingDto Branding, int Organizations, DateTimeOffset CreatedAt);

internal static class ClientRules
{
    public const int MaxDomains = 20;

    public static void RulesForClient<T>(this AbstractValidator<T> validator, Func<T, string?> name, Func<T, IReadOnlyList<string>?> domains, Func<T, BrandingDto?> branding)
    {
        validator.RuleFor(c => name(c)).ValidDisplayName("client name").OverridePropertyName("name");
        validator.RuleFor(c => domains(c)).Must(d => d is null || d.Count <= MaxDomains).OverridePropertyName("domains")
            .WithMessage($"At most {MaxDomains} domains.");
        validator.RuleForEach(c => domains(c) ?? Array.Empty<string>()).Must(d => Client.IsValidDomain(d?.Trim().TrimEnd('.').ToLowerInvariant()))
            .OverridePropertyName("domains").WithMessage("Each domain must be a host name such as cloud.partner.example.");
        validator.RuleFor(c => branding(c)).NotNull().OverridePropertyName("branding").WithMessage("Branding is required.");
        validator.RuleFor(c => branding(c)!.DisplayName).ValidDisplayName("display name").When(c => branding(c) is not null)
            .OverridePropertyName("branding.displayName");
        validator.RuleFor(c => branding(c)!.PrimaryColor).Must(Branding.IsValidColor).When(c => branding(c) is not null)
            .OverridePropertyName("branding.primaryColor").WithMessage("Must be a colour such as #4f46e5.");
        validator.RuleFor(c => branding(c)!.LogoUrl).Must(u => Uri.TryCreate(u, UriKind.Absolute, out var uri) && uri.Scheme is "https" or "http" && u!.Length <= 2048)
            .When(c => branding(c)?.LogoUrl is not null).OverridePropertyName("branding.logoUrl").WithMessage("Must be an absolute http(s) URL.");
    }

    public static async Task EnsureDomainsFreeAsync(IAppDbContext db, IReadOnlyList<string> domains, ClientId? except, CancellationToken cancellationToken)
    {
        var hosts = domains.Select(d => d.Trim().TrimEnd('.').ToLowerInvariant()).ToList();
        var taken = await db.Clients.AsNoTracking().Where(c => c.Id != except)
            .SelectMany(c => c.Domains).Where(d => hosts.Contains(d.Host)).Select(d => d.Host).FirstOrDefaultAsync(cancellationToken);
        if (taken is not null) throw new RuleViolationException("client.domain_exists", $"'{taken}' already belongs to another client.");
    }

    public static ClientDto ToDto(Client client, int organizations) => new(
        client.Id.Value, client.Name, client.Domains.Select(d => d.Host).Order(StringComparer.Ordinal).ToList(),
        new BrandingDto(client.Branding.DisplayName, client.Branding.LogoUrl, client.Branding.PrimaryColor), organizations, client.CreatedAt);
}

public sealed record ListClientsQuery : IRequest<IReadOnlyList<ClientDto>>, IPlatformAdminRequest
{
    public OrganizationId? Organization => null;
}

public sealed class ListClientsHandler(IAppDbContext db) : IRequestHandler<ListClientsQuery, IReadOnlyList<ClientDto>>
{
    public async Task<IReadOnlyList<ClientDto>> Handle(ListClientsQuery query, CancellationToken cancellationToken)
    {
        var clients = await db.Clients.AsNoTracking().OrderBy(c => c.Name).ToListAsync(cancellationToken);
        var counts = await db.Organizations.AsNoTracking().Where(o => o.ClientId != null).GroupBy(o => o.ClientId)
            .Select(g => new { g.Key, Count = g.Count() }).ToListAsync(cancellationToken);
        return clients.Select(c => ClientRules.ToDto(c, counts.FirstOrDefault(x => x.Key == c.Id)?.Count ?? 0)).ToList();
    }
}

/// <summary>Registers a white-label client: its name, the host names it is served on, and its branding. Platform admins only.</summary>
public sealed record CreateClientCommand(string? Name, IReadOnlyList<string>? Domains, BrandingDto? Branding) : ICommand<ClientDto>, IPlatformAdminRequest
{
    public OrganizationId? Organization => null;
}

public sealed class CreateClientValidator : AbstractValidator<CreateClientCommand>
{
    public CreateClientValidator() => this.RulesForClient(c => c.Name, c => c.Domains, c => c.Branding);
}

public sealed class CreateClientHandler(IAppDbContext db, IClientDirectory directory, TimeProvider clock) : IRequestHandler<CreateClientCommand, ClientDto>
{
    public async Task<ClientDto> Handle(CreateClientCommand command, CancellationToken cancellationToken)
    {
        var domains = command.Domains ?? [];
        await ClientRules.EnsureDomainsFreeAsync(db, domains, null, cancellationToken);
        var branding = command.Branding!;
        var client = Client.Register(command.Name!, new Branding(branding.DisplayName.Trim(), branding.LogoUrl, branding.PrimaryColor), clock.GetUtcNow());
        client.ServeExactly(domains);
        db.Clients.Add(client);
        await db.SaveChangesAsync(cancellationToken);
        directory.Invalidate();
        return ClientRules.ToDto(client, 0);
    }
}

/// <summary>Replaces a client's name, domains and branding. Platform admins only.</summary>
public sealed record UpdateClientCommand(ClientId Id, string? Name, IReadOnlyList<string>? Domains, BrandingDto? Branding) : ICommand<ClientDto>, IPlatformAdminRequest
{
    public OrganizationId? Organization => null;
}

public sealed class UpdateClientValidator : AbstractValidator<UpdateClientCommand>
{
    public UpdateClientValidator() => this.RulesForClient(c => c.Name, c => c.Domains, c => c.Branding);
}

public sealed class UpdateClientHandler(IAppDbContext db, IClientDirectory directory) : IRequestHandler<UpdateClientCommand, ClientDto>
{
    public async Task<ClientDto> Handle(UpdateClientCommand command, CancellationToken cancellationToken)
    {
        var client = await db.Clients.SingleOrDefaultAsync(c => c.Id == command.Id, cancellationToken)
            ?? throw new NotFoundException("client", command.Id.Value);
        var domains = command.Domains ?? [];
        await ClientRules.EnsureDomainsFreeAsync(db, domains, client.Id, cancellationToken);
        client.Rename(command.Name!);
        client.ServeExactly(domains);
        client.Rebrand(new Branding(command.Branding!.DisplayName.Trim(), command.Branding.LogoUrl, command.Branding.PrimaryColor));
        await db.SaveChangesAsync(cancellationToken);
        directory.Invalidate();
        var organizations = await db.Organizations.CountAsync(o => o.ClientId == client.Id, cancellationToken);
        return ClientRules.ToDto(client, organizations);
    }
}

/// <summary>Deletes a client no organization belongs to. Platform admins only.</summary>
public sealed record DeleteClientCommand(ClientId Id) : ICommand<Unit>, IPlatformAdminRequest
{
    public OrganizationId? Organization => null;
}

public sealed class DeleteClientHandler(IAppDbContext db, IClientDirectory directory) : IRequestHandler<DeleteClientCommand, Unit>
{
    public async Task<Unit> Handle(DeleteClientCommand command, CancellationToken cancellationToken)
    {
        var client = await db.Clients.SingleOrDefaultAsync(c => c.Id == command.Id, cancellationToken)
            ?? throw new NotFoundException("client", command.Id.Value);
        if (await db.Organizations.AnyAsync(o => o.ClientId == client.Id, cancellationToken))
            throw new RuleViolationException("client.has_organizations", "Organizations still belong to this client; delete them first.");
        db.Clients.Remove(client);
        await db.SaveChangesAsync(cancellationToken);
        directory.Invalidate();
        return Unit.Value;
    }
}
