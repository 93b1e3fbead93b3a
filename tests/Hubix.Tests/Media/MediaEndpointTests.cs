using System.Text;
using Hubix.Content;
using Hubix.Tests.Infrastructure;

namespace Hubix.Tests.Media;

public class MediaEndpointTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Media_is_served_with_nosniff_a_type_from_the_extension_and_documents_as_attachments()
    {
        await using var database = await TestDatabase.CreateAsync("Sqlite");
        await using var host = await HubixTestHost.StartAsync(database, ["--Hubix:Delivery:Enabled=false", "--Hubix:Schedule:Enabled=false"]);
        await using (var ctx = host.Db.CreateDbContext())
        {
            var html = Encoding.UTF8.GetBytes("<html><script>alert(document.cookie)</script></html>");
            // What an upload could have stored: a document whose uploader claimed text/html, one with a known extension, an image.
            ctx.Add(new MediaFile { Sha256 = "aa11", MimeType = "text/html", FileName = "offer.html", Bytes = html });
            ctx.Add(new MediaFile { Sha256 = "bb22", MimeType = "text/html", FileName = "factsheet.pdf", Bytes = html });
            ctx.Add(new MediaFile { Sha256 = "cc33", MimeType = "image/png", FileName = "nifty.png", Bytes = [0x89, 0x50, 0x4E, 0x47] });
            await ctx.SaveChangesAsync(Ct);
        }

        var page = await host.Client.GetAsync("/media/aa11", Ct);
        Assert.Equal("application/octet-stream", page.Content.Headers.ContentType?.MediaType);
        Assert.Equal("attachment", page.Content.Headers.ContentDisposition?.DispositionType);
        Assert.Equal("nosniff", Assert.Single(page.Headers.GetValues("X-Content-Type-Options")));

        var pdf = await host.Client.GetAsync("/media/bb22", Ct);
        Assert.Equal("application/pdf", pdf.Content.Headers.ContentType?.MediaType);
        Assert.Equal(("attachment", "factsheet.pdf"), (pdf.Content.Headers.ContentDisposition?.DispositionType, pdf.Content.Headers.ContentDisposition?.FileName));
        Assert.Equal("nosniff", Assert.Single(pdf.Headers.GetValues("X-Content-Type-Options")));

        var image = await host.Client.GetAsync("/media/cc33", Ct);
        Assert.Equal("image/png", image.Content.Headers.ContentType?.MediaType);
        Assert.Null(image.Content.Headers.ContentDisposition);
        Assert.Equal("nosniff", Assert.Single(image.Headers.GetValues("X-Content-Type-Options")));
    }
}
