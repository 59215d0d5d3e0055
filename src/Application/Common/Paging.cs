using System.Linq.Expressions;
using System.Reflection;
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
    /// (or a page past the end). <paramref name="literalBounds"/> writes LIMIT and OFFSET into the SQL: with them as
    /// parameters PostgreSQL plans a prepared statement anew on every execution (it never settles on the generic plan).
    /// </summary>
    public static async Task<Paged<T>> ToPageAsync<T>(this IQueryable<T> ordered, IPagedQuery query, CancellationToken cancellationToken,
        bool literalBounds = false)
    {
        var skip = (query.Page - 1) * query.PageSize;
        var take = query.PageSize + 1;
        // Literals for the first page at the usual sizes only: every other (page, pageSize) would be one more statement text
        // for Npgsql's and PostgreSQL's statement caches, and a client chooses them.
        var literal = literalBounds && query.Page == 1 && query.PageSize is DefaultPageSize or MaxPageSize;
        var page = literal ? ordered.Literally(SkipMethod, skip).Literally(TakeMethod, take) : ordered.Skip(skip).Take(take);
        var items = await page.ToListAsync(cancellationToken);
        if (items.Count <= query.PageSize && (items.Count > 0 || skip == 0))
            return new Paged<T>(items, query.Page, query.PageSize, skip + items.Count);
        var total = await ordered.CountAsync(cancellationToken);
        if (items.Count > query.PageSize) items.RemoveAt(query.PageSize);
        return new Paged<T>(items, query.Page, query.PageSize, total);
    }

    private static readonly MethodInfo SkipMethod = new Func<IQueryable<object>, int, IQueryable<object>>(Queryable.Skip).Method.GetGenericMethodDefinition();
    private static readonly MethodInfo TakeMethod = new Func<IQueryable<object>, int, IQueryable<object>>(Queryable.Take).Method.GetGenericMethodDefinition();
    private static readonly MethodInfo ConstantMethod = new Func<int, int>(EF.Constant).Method;

    /// <summary>Skip or Take with <c>EF.Constant(count)</c> as its argument (it must sit inside the expression tree).</summary>
    private static IQueryable<T> Literally<T>(this IQueryable<T> source, MethodInfo method, int count) =>
        source.Provider.CreateQuery<T>(Expression.Call(method.MakeGenericMethod(typeof(T)), source.Expression,
            Expression.Call(ConstantMethod, Expression.Constant(count))));

    /// <summary>The page/pageSize rules every list shares.</summary>
    public static void RulesForPaging<T>(this AbstractValidator<T> validator) where T : IPagedQuery
    {
        validator.RuleFor(q => q.Page).InclusiveBetween(1, MaxPage).WithMessage($"page must be between 1 and {MaxPage}.");
        validator.RuleFor(q => q.PageSize).InclusiveBetween(1, MaxPageSize).WithMessage($"pageSize must be between 1 and {MaxPageSize}.");
    }
}
