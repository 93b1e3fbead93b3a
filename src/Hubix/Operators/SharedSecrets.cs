using System.Security.Cryptography;
using System.Text;
using System.Xml.Linq;
using Hubix.Data;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Microsoft.Extensions.Options;

namespace Hubix.Operators;

/// <summary>A live-feed ticket, by the SHA-256 of the ticket (the ticket itself is never stored).</summary>
public sealed class LiveTicket
{
    public required string Hash { get; set; }
    public required string Actor { get; set; }
    public DateTime ExpiresAt { get; set; }
}

/// <summary>One of ASP.NET Core's data-protection keys (it signs and encrypts the session cookies), as its XML.</summary>
public sealed class DataProtectionKeyRow
{
    public long Id { get; set; }
    public string? FriendlyName { get; set; }
    public required string Xml { get; set; }
}

internal sealed class LiveTicketConfiguration : IEntityTypeConfiguration<LiveTicket>
{
    public void Configure(EntityTypeBuilder<LiveTicket> b)
    {
        b.ToTable("LiveTickets");
        b.HasKey(x => x.Hash);
        b.Property(x => x.Hash).HasMaxLength(64);
        b.Property(x => x.Actor).HasMaxLength(64);
        b.HasIndex(x => x.ExpiresAt);
    }
}

internal sealed class DataProtectionKeyRowConfiguration : IEntityTypeConfiguration<DataProtectionKeyRow>
{
    public void Configure(EntityTypeBuilder<DataProtectionKeyRow> b)
    {
        b.ToTable("DataProtectionKeys");
        b.Property(x => x.FriendlyName).HasMaxLength(200);
    }
}

/// <summary>
/// Short-lived, single-use tickets for <c>/ws</c>: a browser cannot set headers on a WebSocket, and a long-lived key in
/// a URL ends up in proxy logs. A ticket is asked for with the session (or a token) and works once within
/// <see cref="AuthOptions.TicketLifetime"/>. Tickets live in the database, so a load balancer may send the socket to
/// any replica (ADR-007), and redeeming is one conditional delete, so a ticket works once across all of them.
/// </summary>
public sealed class WsTickets(HubixDb db, TimeProvider time, IOptions<AuthOptions> options)
{
    public async Task<string> IssueAsync(string actor, CancellationToken ct)
    {
        var now = time.GetUtcNow().UtcDateTime;
        var ticket = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));
        await using var context = db.CreateDbContext();
        using (await db.EnterWriteAsync(ct))
        {
            // Expired tickets go as new ones come (by the ExpiresAt index): the table holds a few seconds' worth.
            await context.Set<LiveTicket>().Where(t => t.ExpiresAt <= now).ExecuteDeleteAsync(ct);
            context.Add(new LiveTicket { Hash = Hash(ticket), Actor = actor, ExpiresAt = now + options.Value.TicketLifetime });
            await context.SaveChangesAsync(ct);
        }

        return ticket;
    }

    /// <summary>The actor the ticket was issued to, once; null when unknown, used or expired.</summary>
    public async Task<string?> RedeemAsync(string? ticket, CancellationToken ct)
    {
        if (string.IsNullOrEmpty(ticket) || ticket.Length != 64)
        {
            return null;
        }

        var now = time.GetUtcNow().UtcDateTime;
        await using var connection = await db.OpenConnectionAsync(ct);
        using var gate = await db.EnterWriteAsync(ct);
        await using var cmd = connection.CreateCommand();
        // One statement: of two replicas redeeming the same ticket at once, one deletes the row and the other gets nothing.
        cmd.CommandText = "DELETE FROM \"LiveTickets\" WHERE \"Hash\" = @h AND \"ExpiresAt\" > @now RETURNING \"Actor\"";
        cmd.AddParameter("@h", Hash(ticket));
        cmd.AddParameter("@now", now);
        return await cmd.ExecuteScalarAsync(ct) as string;
    }

    private static string Hash(string ticket) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(ticket)));
}

/// <summary>
/// Keeps the data-protection key ring (what signs the session cookies) in the database instead of a directory of this
/// machine, so a cookie issued by one replica is accepted by the others and survives a new container or host. The keys are
/// as secret as the database: its backups hold them (deploy/README.md says so).
/// </summary>
internal sealed class DatabaseKeyRing(HubixDb db) : IXmlRepository
{
    public IReadOnlyCollection<XElement> GetAllElements()
    {
        using var context = db.CreateDbContext();
        return context.Set<DataProtectionKeyRow>().AsNoTracking().OrderBy(k => k.Id).Select(k => k.Xml).ToList().Select(XElement.Parse).ToList();
    }

    public void StoreElement(XElement element, string friendlyName)
    {
        using var context = db.CreateDbContext();
        using var gate = db.EnterWriteAsync(CancellationToken.None).AsTask().GetAwaiter().GetResult();
        context.Add(new DataProtectionKeyRow { FriendlyName = friendlyName, Xml = element.ToString(SaveOptions.DisableFormatting) });
        context.SaveChanges();
    }
}
