using System.ComponentModel.DataAnnotations;
using System.Security.Claims;
using Hubix.Data;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Hubix.Operators;

/// <summary>Sign-in and sign-out, the caller's own API tokens, live-feed tickets, users (admin) and the audit trail (admin).</summary>
public static class OperatorEndpoints
{
    public const string SessionPath = "/api/session";
    public const int MaxAuditPage = 500;

    internal static void Map(IEndpointRouteBuilder app)
    {
        var session = app.MapGroup(SessionPath).WithTags("Session").RequireCors(DashboardCors.Policy);
        session.MapPost("/", SignInAsync).WithName("SignIn").AllowAnonymous().RequireRateLimiting(OperatorsFeature.SignInLimit)
            .WithSummary("Sign in with name and password: sets the session cookie (HttpOnly, SameSite=Strict, Secure over HTTPS).");
        session.MapGet("/", Me).WithName("GetSession").RequireViewer()
            .WithSummary("Who is signed in (or whose token or key this is), and their role.");
        session.MapPost("/signout", (Delegate)SignOutAsync).WithName("SignOut").AllowAnonymous()
            .WithSummary("Ends the session (clears the cookie).");

        app.MapPost("/api/ws-ticket", TicketAsync).WithName("CreateLiveFeedTicket").WithTags("Session").RequireViewer().RequireCors(DashboardCors.Policy)
            .WithSummary("A single-use ticket for /ws?ticket=..., valid for Hubix:Auth:TicketLifetime (30 s).");

        var tokens = app.MapGroup("/api/tokens").WithTags("Tokens").RequireViewer().RequireCors(DashboardCors.Policy);
        tokens.MapPost("/", CreateTokenAsync).WithName("CreateToken")
            .WithSummary("A personal API token acting as you with your role; the token is in this answer only (stored hashed).");
        tokens.MapGet("/", ListTokensAsync).WithName("ListTokens").WithSummary("Your tokens (never the tokens themselves).");
        tokens.MapDelete("/{id:long}", RevokeTokenAsync).WithName("RevokeToken").WithSummary("Revokes one of your tokens at once.");

        var users = app.MapGroup("/api/users").WithTags("Users").RequireAdmin().RequireCors(DashboardCors.Policy);
        users.MapGet("/", ListUsersAsync).WithName("ListUsers");
        users.MapPost("/", AddUserAsync).WithName("AddUser")
            .WithSummary("Adds a user with a role (viewer, operator, admin); without a password one is generated and returned once.");
        users.MapPost("/{name}/disable", DisableUserAsync).WithName("DisableUser")
            .WithSummary("Disables a user: sign-in, their session and their tokens stop working.");

        app.MapGet("/api/audit", ListAuditAsync).WithName("ListAudit").WithTags("Audit").RequireAdmin().RequireCors(DashboardCors.Policy).WithPaging()
            .WithSummary("The audit trail newest first (limit=, default 100, max 500), filtered by exact actor, action and/or target; keyset paging with nextCursor. Read-only: no API edits or deletes entries.");
    }

    public sealed record SignInRequest([property: Required] string Name, [property: Required] string Password);

    public sealed record SessionDto(string Name, string Role, string Via);

    private static async Task<Results<Ok<SessionDto>, ProblemHttpResult>> SignInAsync(
        SignInRequest request, HttpContext http, UserService users, FailureLimiter limiter, CancellationToken ct)
    {
        var user = await users.VerifyPasswordAsync(request.Name, request.Password, ct);
        if (user is null)
        {
            limiter.RecordFailure(FailureLimiter.ClientOf(http));
            return TypedResults.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "Not signed in", detail: "Wrong name or password, or the user is disabled.");
        }

        await http.SignInAsync(OperatorsFeature.CookieScheme, OperatorsFeature.SessionPrincipal(user));
        return TypedResults.Ok(new SessionDto(user.Name, user.Role, "cookie"));
    }

    private static Ok<SessionDto> Me(ClaimsPrincipal user) =>
        TypedResults.Ok(new SessionDto(user.ActorName(), Roles.All.Reverse().FirstOrDefault(user.IsInRole) ?? Roles.Viewer, user.FindFirstValue(ActorClaims.Via) ?? ""));

    private static async Task<NoContent> SignOutAsync(HttpContext http)
    {
        await http.SignOutAsync(OperatorsFeature.CookieScheme);
        return TypedResults.NoContent();
    }

    public sealed record TicketDto(string Ticket, double ExpiresInSeconds);

    private static async Task<Ok<TicketDto>> TicketAsync(ClaimsPrincipal user, WsTickets tickets, IOptions<AuthOptions> options, CancellationToken ct) =>
        TypedResults.Ok(new TicketDto(await tickets.IssueAsync(user.ActorName(), ct), options.Value.TicketLifetime.TotalSeconds));

    public sealed record TokenRequest(string? Label);

    private static ProblemHttpResult NoUser() => TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Not a user",
        detail: "API tokens belong to users; the machine key (Hubix:AdminApiKey) has none. Sign in as a user, or use `hubix users add`.");

    private static async Task<Results<Created<CreatedToken>, ProblemHttpResult>> CreateTokenAsync(
        TokenRequest? request, ClaimsPrincipal user, UserService users, CancellationToken ct)
    {
        if (user.UserIdOf() is not { } id)
        {
            return NoUser();
        }

        try
        {
            var created = await users.CreateTokenAsync(id, user.ActorName(), request?.Label, ct);
            return TypedResults.Created($"/api/tokens/{created.Id}", created);
        }
        catch (UserChangeException ex)
        {
            return TypedResults.Problem(statusCode: ex.Status, title: "Token not created", detail: ex.Message);
        }
    }

    private static async Task<Results<Ok<List<TokenDto>>, ProblemHttpResult>> ListTokensAsync(ClaimsPrincipal user, UserService users, CancellationToken ct) =>
        user.UserIdOf() is { } id ? TypedResults.Ok(await users.ListTokensAsync(id, ct)) : NoUser();

    private static async Task<Results<NoContent, NotFound, ProblemHttpResult>> RevokeTokenAsync(long id, ClaimsPrincipal user, UserService users, CancellationToken ct)
    {
        if (user.UserIdOf() is not { } userId)
        {
            return NoUser();
        }

        return await users.RevokeTokenAsync(userId, id, user.ActorName(), ct) ? TypedResults.NoContent() : TypedResults.NotFound();
    }

    private static async Task<Ok<List<UserDto>>> ListUsersAsync(UserService users, CancellationToken ct) => TypedResults.Ok(await users.ListAsync(ct));

    public sealed record AddUserRequest(string? Name, string? Role, string? Password);

    /// <summary>The user, and the password when it was generated here (shown this once).</summary>
    public sealed record AddedUser(UserDto User, string? GeneratedPassword);

    private static async Task<Results<Created<AddedUser>, ProblemHttpResult>> AddUserAsync(AddUserRequest request, ClaimsPrincipal user, UserService users, CancellationToken ct)
    {
        var generated = string.IsNullOrEmpty(request.Password) ? UserService.GeneratePassword() : null;
        try
        {
            var added = await users.AddAsync(request.Name ?? "", request.Role ?? "", request.Password is { Length: > 0 } p ? p : generated!, user.ActorName(), ct);
            return TypedResults.Created($"/api/users/{added.Name}", new AddedUser(added, generated));
        }
        catch (UserChangeException ex)
        {
            return TypedResults.Problem(statusCode: ex.Status, title: "User not added", detail: ex.Message);
        }
    }

    private static async Task<Results<Ok<UserDto>, ProblemHttpResult>> DisableUserAsync(string name, ClaimsPrincipal user, UserService users, CancellationToken ct)
    {
        try
        {
            return TypedResults.Ok(await users.DisableAsync(name, user.ActorName(), ct));
        }
        catch (UserChangeException ex)
        {
            return TypedResults.Problem(statusCode: ex.Status, title: "User not disabled", detail: ex.Message);
        }
    }

    public sealed record AuditDto(long Id, DateTime At, string Actor, string Action, string Target, string? Detail);

    public sealed record AuditPage(IReadOnlyList<AuditDto> Items, string? NextCursor);

    private static async Task<Ok<AuditPage>> ListAuditAsync(
        HubixDb db, string? actor, string? action, string? target, string? cursor, int? limit, CancellationToken ct)
    {
        var take = Paging.Limit(limit, 100, MaxAuditPage);
        var after = Paging.DecodeTimeId(cursor);
        await using var context = db.CreateDbContext();
        var query = context.Set<AuditEntry>().AsNoTracking();
        if (!string.IsNullOrEmpty(actor))
        {
            query = query.Where(e => e.Actor == actor);
        }

        if (!string.IsNullOrEmpty(action))
        {
            query = query.Where(e => e.Action == action);
        }

        if (!string.IsNullOrEmpty(target))
        {
            query = query.Where(e => e.Target == target);
        }

        if (after is var (at, id))
        {
            query = query.Where(e => e.At <= at && (e.At < at || e.Id < id));
        }

        var rows = await query.OrderByDescending(e => e.At).ThenByDescending(e => e.Id).Take(take + 1).ToListAsync(ct);
        var next = Paging.TrimExtra(rows, take) ? Paging.Encode(rows[^1].At, rows[^1].Id) : null;
        return TypedResults.Ok(new AuditPage(rows.Select(e => new AuditDto(e.Id, e.At, e.Actor, e.Action, e.Target, e.Detail)).ToList(), next));
    }
}
