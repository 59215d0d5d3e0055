using Ardalis.Specification;

namespace CleanScheduler.Application.Common.Specifications;

/// <summary>
/// Applies a specification to a query with the base package's evaluators (filters, then order); the result stays an
/// <see cref="IQueryable{T}"/>, so EF Core translates it to SQL and callers can go on composing.
/// </summary>
public static class SpecificationQueries
{
    public static IQueryable<T> WithSpecification<T>(this IQueryable<T> query, ISpecification<T> specification) where T : class =>
        OrderEvaluator.Instance.GetQuery(WhereEvaluator.Instance.GetQuery(query, specification), specification);
}
