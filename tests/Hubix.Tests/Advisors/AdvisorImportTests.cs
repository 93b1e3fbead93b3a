using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Hubix.Advisors;
using Hubix.Tests.Infrastructure;
using Microsoft.Extensions.Time.Testing;
using static Hubix.Tests.DailyPack.UnlockKit;

namespace Hubix.Tests.Advisors;

public class AdvisorImportTests
{
    private const string BadCsv = """
        phone,name,timezone,language,categories
        +91 98000-00001,"Sharma, Priya",Asia/Kolkata,en,market;tax
        12345,Too Short,Asia/Kolkata,en,
        919800000003,Bad Zone,Mars/Olympus,en,
        91 9800000001,Dup,Asia/Kolkata,en,
        971500000005,"Fatima ""F"" Sheikh",Asia/Dubai,,
        """;

    private static StringContent Csv(string csv) => new(csv, Encoding.UTF8, "text/csv");

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task File_with_errors_imports_nothing_and_names_each_row_then_skip_invalid_imports_the_rest(string provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        await using var host = await StartAsync(database, new FakeTimeProvider(Start));

        var rejected = await host.Admin.PostAsync("/api/advisors/import", Csv(BadCsv), Ct);
        Assert.Equal(HttpStatusCode.BadRequest, rejected.StatusCode);
        var problem = await rejected.Content.ReadFromJsonAsync<JsonElement>(Ct);
        var errors = problem.GetProperty("errors").EnumerateArray().Select(e => e.GetString()).ToList();
        Assert.Equal(3, errors.Count);
        Assert.StartsWith("row 3: phone:", errors[0], StringComparison.Ordinal);
        Assert.StartsWith("row 4: timezone: 'Mars/Olympus'", errors[1], StringComparison.Ordinal);
        Assert.Equal("row 5: phone: 919800000001 is already on row 2", errors[2]);
        Assert.Empty((await host.Admin.GetFromJsonAsync<List<AdvisorEndpoints.AdvisorDto>>("/api/advisors", Ct))!);

        var accepted = await host.Admin.PostAsync("/api/advisors/import?skipInvalid=true", Csv(BadCsv), Ct);
        var result = await accepted.Content.ReadFromJsonAsync<AdvisorImportResult>(Ct);
        Assert.Equal((true, 2, 0, 3), (result!.Applied, result.Created, result.Updated, result.Skipped));
        var advisors = (await host.Admin.GetFromJsonAsync<List<AdvisorEndpoints.AdvisorDto>>("/api/advisors", Ct))!;
        Assert.Equal(["919800000001", "971500000005"], advisors.Select(a => a.Phone));
        Assert.Equal("Sharma, Priya", advisors[0].Name);
        Assert.Equal(["market", "tax"], advisors[0].Categories);
        Assert.Equal(("Fatima \"F\" Sheikh", "Asia/Dubai", "en"), (advisors[1].Name, advisors[1].TimeZone, advisors[1].Language));

        // Re-import updates, never duplicates.
        var again = await host.Admin.PostAsync("/api/advisors/import", Csv("phone,name\n919800000001,Priya S\n"), Ct);
        var update = (await again.Content.ReadFromJsonAsync<AdvisorImportResult>(Ct))!;
        Assert.Equal((0, 1), (update.Created, update.Updated));
        Assert.Equal(2, (await host.Admin.GetFromJsonAsync<List<AdvisorEndpoints.AdvisorDto>>("/api/advisors", Ct))!.Count);
    }

    [Fact]
    public async Task Crud_endpoints_validate_and_patch_status_goes_to_the_consent_ledger()
    {
        await using var database = await TestDatabase.CreateAsync("Sqlite");
        await using var host = await StartAsync(database, new FakeTimeProvider(Start));

        var bad = await host.Admin.PostAsJsonAsync("/api/advisors", new AdvisorEndpoints.AdvisorRequest("abc", "X", "Nowhere/City", null, null, null), Ct);
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        var created = await host.Admin.PostAsJsonAsync("/api/advisors", new AdvisorEndpoints.AdvisorRequest("+91 98000 00009", "Meera", null, null, ["tax"], null), Ct);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);

        var patched = await host.Admin.PatchAsJsonAsync("/api/advisors/919800000009", new AdvisorEndpoints.AdvisorRequest(null, null, "Asia/Dubai", null, null, "opted_out"), Ct);
        var dto = await patched.Content.ReadFromJsonAsync<AdvisorEndpoints.AdvisorDto>(Ct);
        Assert.Equal(("Meera", "Asia/Dubai", "opted_out"), (dto!.Name, dto.TimeZone, dto.Status));
        var consent = await host.Admin.GetFromJsonAsync<List<AdvisorEndpoints.ConsentDto>>("/api/advisors/919800000009/consent", Ct);
        Assert.Equal(("opted_out", "operator"), (Assert.Single(consent!).Status, consent![0].Source));

        // Re-activating an opted-out advisor needs the evidence of their consent: a plain status flip is refused.
        var flip = await host.Admin.PatchAsJsonAsync("/api/advisors/919800000009", new { status = "active", name = "Meera K" }, Ct);
        Assert.Equal(HttpStatusCode.Conflict, flip.StatusCode);
        var problem = await flip.Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.Equal("opted_out_needs_reason", problem.GetProperty("reason").GetString());
        var unchanged = await host.Admin.GetFromJsonAsync<AdvisorEndpoints.AdvisorDto>("/api/advisors/919800000009", Ct);
        Assert.Equal(("opted_out", "Meera"), (unchanged!.Status, unchanged.Name));
        var blank = await host.Admin.PatchAsJsonAsync("/api/advisors/919800000009", new { status = "active", reason = "   " }, Ct);
        Assert.Equal(HttpStatusCode.Conflict, blank.StatusCode);

        var withReason = await host.Admin.PatchAsJsonAsync("/api/advisors/919800000009", new { status = "active", reason = "signed form 2026-11-25, ticket 4411" }, Ct);
        Assert.Equal(HttpStatusCode.OK, withReason.StatusCode);
        consent = await host.Admin.GetFromJsonAsync<List<AdvisorEndpoints.ConsentDto>>("/api/advisors/919800000009/consent", Ct);
        Assert.Equal([("opted_out", "operator", "PATCH /api/advisors"), ("active", "operator", "signed form 2026-11-25, ticket 4411")],
            consent!.Select(c => (c.Status, c.Source, c.Detail)));

        Assert.Equal(HttpStatusCode.NoContent, (await host.Admin.DeleteAsync("/api/advisors/919800000009", Ct)).StatusCode);
        Assert.Empty((await host.Admin.GetFromJsonAsync<List<AdvisorEndpoints.AdvisorDto>>("/api/advisors", Ct))!);
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task The_consent_column_records_how_new_advisors_opted_in_and_a_bad_value_names_the_row(string provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        await using var host = await StartAsync(database, new FakeTimeProvider(Start));

        var bad = await host.Admin.PostAsync("/api/advisors/import", Csv("""
            phone,name,consent
            919800000011,Asha,web-form 2026-11-01
            919800000012,Bala,2026-11-01
            919800000013,Chitra,web-form 01/11/2026
            919800000014,Dev,web-form 2099-01-01
            """), Ct);
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        var errors = (await bad.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("errors").EnumerateArray().Select(e => e.GetString()!).ToList();
        Assert.Equal(3, errors.Count);
        Assert.StartsWith("row 3: consent: '2026-11-01' is not 'SOURCE YYYY-MM-DD'", errors[0], StringComparison.Ordinal);
        Assert.StartsWith("row 4: consent: '01/11/2026' is not a date", errors[1], StringComparison.Ordinal);
        Assert.Equal("row 5: consent: the opt-in date 2099-01-01 is in the future", errors[2]);
        Assert.Empty((await host.Admin.GetFromJsonAsync<List<AdvisorEndpoints.AdvisorDto>>("/api/advisors", Ct))!);

        var ok = await host.Admin.PostAsync("/api/advisors/import", Csv("""
            phone,name,consent
            919800000011,Asha,"web-form, campaign 7 2026-11-01"
            919800000015,Esha,
            """), Ct);
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        var asha = await host.Admin.GetFromJsonAsync<List<AdvisorEndpoints.ConsentDto>>("/api/advisors/919800000011/consent", Ct);
        var entry = Assert.Single(asha!);
        Assert.Equal(("active", "import", "web-form, campaign 7", new DateOnly(2026, 11, 1)), (entry.Status, entry.Source, entry.Detail, DateOnly.FromDateTime(entry.At)));
        Assert.Empty((await host.Admin.GetFromJsonAsync<List<AdvisorEndpoints.ConsentDto>>("/api/advisors/919800000015/consent", Ct))!);

        // A re-import never records consent again for an advisor who exists.
        await host.Admin.PostAsync("/api/advisors/import", Csv("phone,name,consent\n919800000011,Asha,sms 2026-11-02\n"), Ct);
        Assert.Single((await host.Admin.GetFromJsonAsync<List<AdvisorEndpoints.ConsentDto>>("/api/advisors/919800000011/consent", Ct))!);
    }
}
