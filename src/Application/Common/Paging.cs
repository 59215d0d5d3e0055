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

    /// <summary>
    /// One page and the total. The page is read with one row more than it holds: when that row is missing the page is
    /// the last one and the total follows from it, so the count query runs only for a full page that has more after it
    /// (or a page past the end).
    /// </summary>
    public static Task<Paged<T>> ToPageAsync<T>(this IQueryable<T> ordered, IPagedQuery query, CancellationToken cancellationToken) =>
        ReadPageAsync(query, (skip, take) => ordered.Skip(skip).Take(take).ToListAsync(cancellationToken), () => ordered.CountAsync(cancellationToken));

    /// <summary>
    /// <see cref="ToPageAsync{T}"/> over a read of its own: <paramref name="read"/>(skip, take) the ordered rows,
    /// <paramref name="count"/> all of them.
    /// </summary>
    public static async Task<Paged<T>> ReadPageAsync<T>(IPagedQuery query, Func<int, int, Task<List<T>>> read, Func<Task<int>> count)
    {
        var skip = (query.Page - 1) * query.PageSize;
        var items = await read(skip, query.PageSize + 1);
        if (items.Count <= query.PageSize && (items.Count > 0 || skip == 0))
            return new Paged<T>(items, query.Page, query.PageSize, skip + items.Count);
        var total = await count();
        if (items.Count > query.PageSize) items.RemoveAt(query.PageSize);
        return new Paged<T>(items, query.Page, query.PageSize, total);
    }

    /// <summary>The page/pageSize rules every list shares.</summary>
    public static void RulesForPaging<T>(this AbstractValidator<T> validator) where T : IPagedQuery
    {
        validator.RuleFor(q => q.Page).InclusiveBetween(1, MaxPage).WithMessage($"page must be between 1 and {MaxPage}.");
        validator.RuleFor(q => q.PageSize).InclusiveBetween(1, MaxPageSize).WithMessage($"pageSize must be between 1 and {MaxPageSize}.");
    }
}
