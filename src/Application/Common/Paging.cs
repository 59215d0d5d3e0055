using FluentValidation;
using Microsoft.EntityFrameworkCore;

namespace CleanScheduler.Application.Common;

/// <summary>A query that returns one page of a list (page numbers start at 1).</summary>
public interface IPagedQuery
{
    int Page { get; }
    int PageSize { get; }
}

public sealed record Paged<T>(IReadOnlyList<T> Items, int Page, int PageSize, int Total);

public static class Paging
{
    public const int DefaultPageSize = 50;
    public const int MaxPageSize = 100;
    public const int MaxPage = 1_000_000;

    public static async Task<Paged<T>> ToPageAsync<T>(this IQueryable<T> ordered, IPagedQuery query, CancellationToken cancellationToken)
    {
        var total = await ordered.CountAsync(cancellationToken);
        var items = total <= (query.Page - 1) * query.PageSize
            ? []
            : await ordered.Skip((query.Page - 1) * query.PageSize).Take(query.PageSize).ToListAsync(cancellationToken);
        return new Paged<T>(items, query.Page, query.PageSize, total);
    }

    /// <summary>The page/pageSize rules every list shares.</summary>
    public static void RulesForPaging<T>(this AbstractValidator<T> validator) where T : IPagedQuery
    {
        validator.RuleFor(q => q.Page).InclusiveBetween(1, MaxPage).WithMessage($"page must be between 1 and {MaxPage}.");
        validator.RuleFor(q => q.PageSize).InclusiveBetween(1, MaxPageSize).WithMessage($"pageSize must be between 1 and {MaxPageSize}.");
    }
}
