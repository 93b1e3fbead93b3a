using System.Text;
using Hubix.Dashboard;

namespace Hubix.Tests.Dashboard;

public class ReportCsvTests
{
    private static async IAsyncEnumerable<IReadOnlyList<DailyReportRow>> One(DailyReportRow row)
    {
        await Task.Yield();
        yield return [row];
    }

    private static async Task<string> NameCellAsync(string name)
    {
        using var output = new MemoryStream();
        await DailyReportService.WriteCsvAsync(output, new DateOnly(2026, 11, 27), One(new DailyReportRow { Phone = "919800000001", Name = name }),
            TestContext.Current.CancellationToken);
        var lines = Encoding.UTF8.GetString(output.ToArray()).Split("\r\n");
        // date,phone,name,...: the name is the third cell (quoted when it holds a comma, quote or line break).
        var row = lines[1];
        var start = "2026-11-27,919800000001,".Length;
        if (row[start] == '"')
        {
            var end = start + 1;
            while (!(row[end] == '"' && (end + 1 == row.Length || row[end + 1] != '"')))
            {
                end += row[end] == '"' ? 2 : 1;
            }

            return row[(start + 1)..end].Replace("\"\"", "\"", StringComparison.Ordinal);
        }

        return row[start..row.IndexOf(',', start)];
    }

    [Theory]
    [InlineData("=1+HYPERLINK(\"http://evil.example\",\"x\")")]
    [InlineData("-1+2")]
    [InlineData("+1+2")]
    [InlineData("=SUM(A1:A9)")]
    [InlineData("@SUM(1)")]
    [InlineData("\t=1+1")]
    [InlineData("\r=1+1")]
    public async Task A_cell_that_a_spreadsheet_would_read_as_a_formula_is_always_neutralised(string name)
    {
        Assert.Equal("'" + name, await NameCellAsync(name));
    }

    [Theory]
    [InlineData("Priya Sharma")]
    [InlineData("Sharma, Priya")]
    [InlineData("1+1")]
    public async Task Other_cells_are_written_as_they_are(string name)
    {
        Assert.Equal(name, await NameCellAsync(name));
    }
}
