using System.Security.Cryptography;
using System.Text;
using Hubix.Data;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace Hubix.Operators;

/// <summary>Why a user change was refused, for a 400/404/409 answer or a CLI message.</summary>
public sealed class UserChangeException(int status, string message) : Exception(message)
{
    public int Status { get; } = status;
}

public sealed record UserDto(long Id, string Name, string Role, DateTime CreatedAt, DateTime? DisabledAt, DateTime? LastSignInAt);

public sealed record TokenDto(long Id, string Label, string Prefix, DateTime CreatedAt, DateTime? LastUsedAt, DateTime? RevokedAt);

/// <summary>A token as made: <see cref="Token"/> is shown this once and never stored.</summary>
public sealed record CreatedToken(long Id, string Label, string Token, DateTime CreatedAt);

/// <summary>
/// Users, their passwords and their API tokens. Passwords are hashed with ASP.NET Core Identity's
/// <see cref="PasswordHasher{TUser}"/> (PBKDF2-HMAC-SHA512, 100,000 iterations, per-user salt); every change is written
/// with its audit entry in one transaction.
/// </summary>
public sealed class UserService(HubixDb db, TimeProvider time)
{
    public const int MinPasswordLength = 12;
    public const string TokenPrefix = "hbx_";
    private static readonly PasswordHasher<UserAccount> Hasher = new();

    // Verified against when the name is unknown, so a wrong name takes as long as a wrong password.
    private static readonly string DummyHash = Hasher.HashPassword(new UserAccount { Name = "", NameKey = "", Role = Roles.Viewer, PasswordHash = "" }, "not-a-password-anyone-has");

    public static string GeneratePassword() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(18)).Replace('+', '-').Replace('/', '_');

    public static string? CheckName(string? name)
    {
        var n = name?.Trim() ?? "";
        if (n.Length is < 1 or > 64 || !n.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_' or '@'))
        {
            return "name: 1 to 64 letters, digits, '.', '-', '_' or '@'";
        }

        return string.Equals(n, ActorClaims.MachineKeyActor, StringComparison.OrdinalIgnoreCase) || string.Equals(n, "cli", StringComparison.OrdinalIgnoreCase)
            ? $"name: '{n}' is reserved for the audit trail"
            : null;
    }

    public async Task<UserDto> AddAsync(string name, string role, string password, string actor, CancellationToken ct)
    {
        if (CheckName(name) is { } bad)
        {
            throw new UserChangeException(400, bad);
        }

        if (!Roles.IsValid(role))
        {
            throw new UserChangeException(400, $"role: '{role}' is not one of {string.Join(", ", Roles.All)}");
        }

        if (password.Length < MinPasswordLength)
        {
            throw new UserChangeException(400, $"password: at least {MinPasswordLength} characters");
        }

        var now = time.GetUtcNow().UtcDateTime;
        await using var work = await UnitOfWork.BeginAsync(db, now, ct);
        var key = UserAccount.KeyOf(name);
        if (await work.Db.Set<UserAccount>().AnyAsync(u => u.NameKey == key, ct))
        {
            throw new UserChangeException(409, $"name: a user '{name.Trim()}' exists already");
        }

        var user = new UserAccount { Name = name.Trim(), NameKey = key, Role = role, PasswordHash = "", CreatedAt = now };
        user.PasswordHash = Hasher.HashPassword(user, password);
        work.Db.Add(user);
        new AuditNote(actor, AuditActions.UserAdd, "user:" + user.Name, "role " + role).Add(work.Db, now);
        await work.CommitAsync(ct);
        return ToDto(user);
    }

    public async Task<List<UserDto>> ListAsync(CancellationToken ct)
    {
        await using var context = db.CreateDbContext();
        var users = await context.Set<UserAccount>().AsNoTracking().OrderBy(u => u.NameKey).ToListAsync(ct);
        return users.Select(ToDto).ToList();
    }

    /// <summary>Disables a user: sign-in, their session and their tokens stop working.</summary>
    public async Task<UserDto> DisableAsync(string name, string actor, CancellationToken ct)
    {
        var now = time.GetUtcNow().UtcDateTime;
        await using var work = await UnitOfWork.BeginAsync(db, now, ct);
        var key = UserAccount.KeyOf(name);
        var user = await work.Db.Set<UserAccount>().SingleOrDefaultAsync(u => u.NameKey == key, ct)
            ?? throw new UserChangeException(404, $"no user '{name}'");
        if (user.DisabledAt is null)
        {
            user.DisabledAt = now;
            new AuditNote(actor, AuditActions.UserDisable, "user:" + user.Name).Add(work.Db, now);
            await work.CommitAsync(ct);
        }

        return ToDto(user);
    }

    /// <summary>The enabled user with this name and password, or null (the same work either way).</summary>
    public async Task<UserAccount?> VerifyPasswordAsync(string? name, string? password, CancellationToken ct)
    {
        var key = UserAccount.KeyOf(name ?? "");
        await using var context = db.CreateDbContext();
        var user = key.Length == 0 ? null : await context.Set<UserAccount>().AsNoTracking().SingleOrDefaultAsync(u => u.NameKey == key, ct);
        var result = Hasher.VerifyHashedPassword(user ?? new UserAccount { Name = "", NameKey = "", Role = "", PasswordHash = "" }, user?.PasswordHash ?? DummyHash, password ?? "");
        if (user is null || user.DisabledAt is not null || result == PasswordVerificationResult.Failed)
        {
            return null;
        }

        // Record the sign-in, and move an old hash to the current parameters while we have the password.
        var now = time.GetUtcNow().UtcDateTime;
        var hash = result == PasswordVerificationResult.SuccessRehashNeeded ? Hasher.HashPassword(user, password!) : user.PasswordHash;
        using (await db.EnterWriteAsync(ct))
        {
            await context.Set<UserAccount>().Where(u => u.Id == user.Id)
                .ExecuteUpdateAsync(s => s.SetProperty(u => u.LastSignInAt, now).SetProperty(u => u.PasswordHash, hash), ct);
        }

        return user;
    }

    /// <summary>The enabled user by id (a session's), or null when gone or disabled.</summary>
    public async Task<UserAccount?> FindEnabledAsync(long id, CancellationToken ct)
    {
        await using var context = db.CreateDbContext();
        return await context.Set<UserAccount>().AsNoTracking().SingleOrDefaultAsync(u => u.Id == id && u.DisabledAt == null, ct);
    }

    public async Task<CreatedToken> CreateTokenAsync(long userId, string actor, string? label, CancellationToken ct)
    {
        var l = string.IsNullOrWhiteSpace(label) ? "token" : label.Trim();
        if (l.Length > 100)
        {
            throw new UserChangeException(400, "label: at most 100 characters");
        }

        var token = TokenPrefix + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        var now = time.GetUtcNow().UtcDateTime;
        await using var work = await UnitOfWork.BeginAsync(db, now, ct);
        var row = new ApiToken { UserId = userId, Label = l, TokenHash = Hash(token), Prefix = token[..10], CreatedAt = now };
        work.Db.Add(row);
        var entry = new AuditNote(actor, AuditActions.TokenCreate, "user:" + actor, l).Add(work.Db, now);
        work.AfterSave(() => entry.Target = "token:" + row.Id.ToString(System.Globalization.CultureInfo.InvariantCulture));
        await work.CommitAsync(ct);
        return new CreatedToken(row.Id, l, token, now);
    }

    public async Task<List<TokenDto>> ListTokensAsync(long userId, CancellationToken ct)
    {
        await using var context = db.CreateDbContext();
        var rows = await context.Set<ApiToken>().AsNoTracking().Where(t => t.UserId == userId).OrderByDescending(t => t.Id).ToListAsync(ct);
        return rows.Select(t => new TokenDto(t.Id, t.Label, t.Prefix, t.CreatedAt, t.LastUsedAt, t.RevokedAt)).ToList();
    }

    /// <summary>Revokes one of the user's own tokens; false when they have no such token.</summary>
    public async Task<bool> RevokeTokenAsync(long userId, long tokenId, string actor, CancellationToken ct)
    {
        var now = time.GetUtcNow().UtcDateTime;
        await using var work = await UnitOfWork.BeginAsync(db, now, ct);
        var row = await work.Db.Set<ApiToken>().SingleOrDefaultAsync(t => t.Id == tokenId && t.UserId == userId, ct);
        if (row is null)
        {
            return false;
        }

        if (row.RevokedAt is null)
        {
            row.RevokedAt = now;
            new AuditNote(actor, AuditActions.TokenRevoke, "token:" + row.Id.ToString(System.Globalization.CultureInfo.InvariantCulture), row.Label).Add(work.Db, now);
            await work.CommitAsync(ct);
        }

        return true;
    }

    /// <summary>The enabled user a live token belongs to, or null.</summary>
    public async Task<UserAccount?> FindByTokenAsync(string token, CancellationToken ct)
    {
        var hash = Hash(token);
        await using var context = db.CreateDbContext();
        var found = await context.Set<ApiToken>().AsNoTracking().Where(t => t.TokenHash == hash && t.RevokedAt == null)
            .Join(context.Set<UserAccount>().Where(u => u.DisabledAt == null), t => t.UserId, u => u.Id, (t, u) => u)
            .SingleOrDefaultAsync(ct);
        return found;
    }

    private static string Hash(string token) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)));

    private static UserDto ToDto(UserAccount u) => new(u.Id, u.Name, u.Role, u.CreatedAt, u.DisabledAt, u.LastSignInAt);
}
