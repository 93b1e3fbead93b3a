using System.Globalization;
using Hubix.Advisors;
using Hubix.Content;
using Hubix.Data;
using Hubix.Operators;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Hubix.DailyPack;

/// <summary>
/// What one advisor will receive from a pack, for the content studio's preview: the daily template as the sender builds
/// it for them (name, language, the three body parameters, the buttons) and then each item with <c>{name}</c> and
/// <c>{date}</c> filled by <see cref="ContentRender.Fill"/>, the same call the unlock makes.
/// </summary>
public static class PackPreviewEndpoints
{
    internal static void Map(IEndpointRouteBuilder app)
    {
        app.MapGroup("/api/packs").RequireViewer().WithTags("Content")
            .MapGet("/{id:long}/preview", PreviewAsync).WithName("PreviewPack")
            .WithSummary("The template and the items of the pack's newest version as the advisor (phone=) will receive them; without phone, for \"there\".");
    }

    /// <param name="Parameters">The template's body parameters in order: category, date, description.</param>
    /// <param name="Fallback">The advisor's language has no template of its own: the default is sent.</param>
    public sealed record TemplatePreview(string Name, string Language, bool Fallback, IReadOnlyList<string> Parameters, IReadOnlyList<ButtonPreview> Buttons);

    /// <param name="Scope">What the button unlocks: all, images, posts, updates.</param>
    public sealed record ButtonPreview(string Payload, string Scope);

    /// <param name="MediaUrl">Same-origin link to the stored bytes (<c>/media/{sha256}</c>), or the item's own link.</param>
    public sealed record ItemPreview(int Position, string Kind, string? Text, string? Caption, string? FileName, string? MimeType, string? MediaUrl);

    public sealed record PackPreview(long PackId, DateOnly Date, string Category, int Version, string State, string? Phone, string Name, TemplatePreview Template, IReadOnlyList<ItemPreview> Items);

    private static async Task<Results<Ok<PackPreview>, NotFound<string>>> PreviewAsync(
        long id, string? phone, HubixDb db, IOptions<DailyTemplateOptions> template, IOptions<ContentOptions> content, CancellationToken ct)
    {
        await using var context = db.CreateDbContext();
        var pack = await context.Set<ContentPack>().AsNoTracking().Where(p => p.Id == id)
            .Select(p => new { p.Id, p.Date, p.Category, p.Description, p.Version, p.ApprovedVersion }).SingleOrDefaultAsync(ct);
        if (pack is null)
        {
            return TypedResults.NotFound("no pack " + id.ToString(CultureInfo.InvariantCulture));
        }

        Advisor? advisor = null;
        if (!string.IsNullOrWhiteSpace(phone))
        {
            var p = AdvisorImport.NormalisePhone(phone, out _) ?? phone;
            advisor = await context.Set<Advisor>().AsNoTracking().SingleOrDefaultAsync(a => a.Phone == p, ct);
            if (advisor is null)
            {
                return TypedResults.NotFound("no advisor " + p);
            }
        }

        var items = await context.Set<ContentItem>().AsNoTracking().Where(i => i.PackId == id && i.Version == pack.Version).OrderBy(i => i.Position)
            .Select(i => new { i.Position, i.Kind, i.Text, i.Caption, i.FileName, i.Url, i.Lang, Sha = i.Media == null ? null : i.Media.Sha256, Mime = i.Media == null ? null : i.Media.MimeType })
            .ToListAsync(ct);
        // The advisor's language variant, chosen as the unlock chooses it (the default language's without an advisor).
        var variant = PackLanguages.Choose(items.Select(i => i.Lang), advisor?.Language, content.Value.DefaultLanguage);
        items = items.Where(i => PackLanguages.Includes(i.Lang, variant.Language)).ToList();
        var t = template.Value;
        var chosen = t.For(advisor?.Language);
        var name = advisor?.Name;
        var preview = new TemplatePreview(chosen.Name, chosen.Language, chosen.Fallback,
            [DailySender.CategoryLabel(pack.Category), ContentRender.FormatDate(pack.Date), string.IsNullOrWhiteSpace(pack.Description) ? "Today's content" : pack.Description],
            t.EffectiveButtons.Select(prefix => new ButtonPreview(UnlockScopes.Payload(prefix, pack.Date, pack.Id), UnlockScopes.Prefixes[prefix])).ToList());
        return TypedResults.Ok(new PackPreview(pack.Id, pack.Date, pack.Category, pack.Version,
            pack.ApprovedVersion == pack.Version ? PackStates.Approved : PackStates.Draft, advisor?.Phone, string.IsNullOrWhiteSpace(name) ? "there" : name.Trim(), preview,
            items.Select(i => new ItemPreview(i.Position, i.Kind,
                i.Text is null ? null : ContentRender.Fill(i.Text, name, pack.Date),
                i.Caption is null ? null : ContentRender.Fill(i.Caption, name, pack.Date),
                i.FileName, i.Mime, i.Sha is not null ? "/media/" + i.Sha : i.Url)).ToList()));
    }
}
