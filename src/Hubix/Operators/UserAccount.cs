using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Hubix.Operators;

/// <summary>A named person who signs in to the dashboard or the API with a role (<see cref="Roles"/>).</summary>
public sealed class UserAccount
{
    public long Id { get; set; }

    /// <summary>Sign-in name, as typed (compared case-insensitively through <see cref="NameKey"/>).</summary>
    public required string Name { get; set; }

    /// <summary>The lower-case name: unique, what sign-in looks up.</summary>
    public required string NameKey { get; set; }

    /// <summary>One of <see cref="Roles"/>.</summary>
    public required string Role { get; set; }

    /// <summary>ASP.NET Core Identity's <c>PasswordHasher</c> output (PBKDF2 with a per-user salt); never the password.</summary>
    public required string PasswordHash { get; set; }

    public DateTime CreatedAt { get; set; }

    /// <summary>Set when disabled: the user can no longer sign in, their session and tokens stop working at once.</summary>
    public DateTime? DisabledAt { get; set; }

    public DateTime? LastSignInAt { get; set; }

    public static string KeyOf(string name) => name.Trim().ToLowerInvariant();
}

/// <summary>
/// A personal API token for scripts: acts as its user with the user's current role. Only the SHA-256 of the token is
/// stored (tokens are 256 random bits, so a fast hash is enough; a password hash is for low-entropy secrets); the
/// token itself is shown once, when it is made.
/// </summary>
public sealed class ApiToken
{
    public long Id { get; set; }
    public long UserId { get; set; }

    /// <summary>What the owner calls it ("prometheus", "nightly export").</summary>
    public required string Label { get; set; }

    /// <summary>Hex SHA-256 of the token.</summary>
    public required string TokenHash { get; set; }

    /// <summary>The first characters of the token, to recognise it in a list.</summary>
    public required string Prefix { get; set; }

    public DateTime CreatedAt { get; set; }
    public DateTime? RevokedAt { get; set; }
    public DateTime? LastUsedAt { get; set; }
}

internal sealed class UserAccountConfiguration : IEntityTypeConfiguration<UserAccount>
{
    public void Configure(EntityTypeBuilder<UserAccount> b)
    {
        b.ToTable("Users");
        b.HasIndex(x => x.NameKey).IsUnique();
        b.Property(x => x.Name).HasMaxLength(64);
        b.Property(x => x.NameKey).HasMaxLength(64);
        b.Property(x => x.Role).HasMaxLength(16);
        b.Property(x => x.PasswordHash).HasMaxLength(256);
    }
}

internal sealed class ApiTokenConfiguration : IEntityTypeConfiguration<ApiToken>
{
    public void Configure(EntityTypeBuilder<ApiToken> b)
    {
        b.ToTable("ApiTokens");
        b.HasIndex(x => x.TokenHash).IsUnique();
        b.HasIndex(x => x.UserId);
        b.Property(x => x.Label).HasMaxLength(100);
        b.Property(x => x.TokenHash).HasMaxLength(64);
        b.Property(x => x.Prefix).HasMaxLength(16);
        b.HasOne<UserAccount>().WithMany().HasForeignKey(x => x.UserId).OnDelete(DeleteBehavior.Restrict);
    }
}
