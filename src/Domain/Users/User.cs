using CleanScheduler.Domain.Common;

namespace CleanScheduler.Domain.Users;

/// <summary>A person known to the platform: created at first sign-in, or when someone adds them by e-mail.</summary>
public sealed class User : AggregateRoot<UserId>
{
    private User() { }

    public string Email { get; private set; } = null!;
    public string Handle { get; private set; } = null!;
    public string DisplayName { get; private set; } = null!;
    public DateTimeOffset CreatedAt { get; private set; }

    public static User Register(EmailAddress email, UserHandle handle, DateTimeOffset now)
    {
        var user = new User
        {
            Id = UserId.New(),
            Email = email.Value,
            Handle = handle.Value,
            DisplayName = email.Value[..email.Value.IndexOf('@')],
            CreatedAt = now,
        };
        user.Raise(new UserRegistered(user.Id, user.Email, now));
        return user;
    }
}

public sealed record UserRegistered(UserId User, string Email, DateTimeOffset OccurredAt) : IDomainEvent;
