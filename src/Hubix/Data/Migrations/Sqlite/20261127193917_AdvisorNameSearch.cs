using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Hubix.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class AdvisorNameSearch : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // The advisors table's name search (GET /api/advisors?q=): a case-folded prefix range, then the phone for keyset
            // paging. An expression index, which the model cannot describe, so it lives here only (no snapshot change).
            migrationBuilder.Sql("CREATE INDEX \"IX_Advisors_lower_Name_Phone\" ON \"Advisors\" (lower(\"Name\"), \"Phone\")");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("DROP INDEX \"IX_Advisors_lower_Name_Phone\"");
        }
    }
}
