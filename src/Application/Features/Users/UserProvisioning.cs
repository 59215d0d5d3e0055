using CleanScheduler.Application.Common;
using CleanScheduler.Domain.Common;
using CleanScheduler.Domain.Users;
using Microsoft.EntityFrameworkCore;

namespace CleanScheduler.Application.Features.Users;

public sealed record UserRef(Domain.Common.UserId Id, string Email);

/// <summary>Finds users by e-mail, registering those who sign in for the first time.</summary>
public static class UserDirectory
{
    /// <summary>
    /// The user with this e-mail (addresses are stored lower-case), or <c>member.no_account</c> (409): a member is added
    /// directly only when they have an account; anyone else is invited.
    /// </summary>
    public static async Task<User> GetExistingAsync(IAppDbContext db, EmailAddress email, CancellationToken cancellationToken) =>
        await db.Users.SingleOrDefaultAsync(u => u.Email == email.Value, cancellationToken)
        ?? throw new RuleViolationException("member.no_account",
            $"Nobody has signed in as '{email}' yet, so they cannot be added directly; send them an invitation instead.");

    /// <summary>The id of the user with this e-mail, if there is one.</summary>
    public static async Task<UserId?> IdOfAsync(IAppDbContext db, EmailAddress email, CancellationToken cancellationToken) =>
        await db.Users.AsNoTracking().Where(u => u.Email == email.Value).Select(u => (UserId?)u.Id).SingleOrDefaultAsync(cancellationToken);

    /// <summary>
    /// The user with this e-mail, or a new one added to the context (saved with the caller's other changes). Two
    /// requests that register the same address at once collide on the unique e-mail index; the command retry
    /// then finds the winner's row.
    /// </summary>
    public static async Task<User> FindOrRegisterAsync(IAppDbContext db, EmailAddress email, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var user = await db.Users.SingleOrDefaultAsync(u => u.Email == email.Value, cancellationToken);
        if (user is not null) return user;
        user = User.Register(email, await FreeHandleAsync(db, UserHandle.Derive(email), cancellationToken), now);
        db.Users.Add(user);
        return user;
    }

    /// <summary>The derived handle if nobody has it, else the handle with a random suffix (the unique index settles races).</summary>
    private static async Task<UserHandle> FreeHandleAsync(IAppDbContext db, UserHandle wanted, CancellationToken cancellationToken)
    {
        var candidate = wanted;
        for (var attempt = 0; await db.Users.AnyAsync(u => u.Handle == candidate.Value, cancellationToken); attempt++)
        {
            if (attempt == 10) throw new InvalidOperationException($"No free handle near '{wanted}'.");
            candidate = wanted.WithSuffix(RandomSuffix());
        }
        return candidate;
    }

    private static string RandomSuffix() =>
        string.Create(4, 0, (span, _) => { for (var i = 0; i < span.Length; i++) span[i] = "abcdefghijkmnpqrstuvwxyz23456789"[Random.Shared.Next(32)]; });
}

/// <summary>Makes sure a user record exists for a signed-in e-mail address, and saves it at once.</summary>
public sealed class UserProvisioner(IAppDbContext db, TimeProvider clock)
{
    public async Task<UserRef> EnsureAsync(EmailAddress email, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            var user = await UserDirectory.FindOrRegisterAsync(db, email, clock.GetUtcNow(), cancellationToken);
            try
            {
                await db.SaveChangesAsync(cancellationToken);
                return new UserRef(user.Id, user.Email);
            }
            catch (ConstraintViolationException) when (attempt < 3)
            {
                db.DiscardChanges();   // someone registered the same address a moment ago: read theirs
            }
        }
    }
}
