using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Hubix.Data.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class PackLanguages : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "AdvisorLanguage",
                table: "Unlocks",
                type: "character varying(16)",
                maxLength: 16,
                nullable: true);

            migrationBuilder.AddColumn<bool>(
                name: "LanguageFallback",
                table: "Unlocks",
                type: "boolean",
                nullable: false,
                defaultValue: false);

            migrationBuilder.AddColumn<string>(
                name: "PackLanguage",
                table: "Unlocks",
                type: "character varying(16)",
                maxLength: 16,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "AdvisorLanguage",
                table: "DailySends",
                type: "character varying(16)",
                maxLength: 16,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "Lang",
                table: "ContentItems",
                type: "character varying(16)",
                maxLength: 16,
                nullable: true);

            // Rows from before: the advisor's language now is the best guess of what it was (a metrics rebuild counts them by it).
            migrationBuilder.Sql("UPDATE \"DailySends\" SET \"AdvisorLanguage\" = (SELECT a.\"Language\" FROM \"Advisors\" a WHERE a.\"Id\" = \"DailySends\".\"AdvisorId\") WHERE \"AdvisorLanguage\" IS NULL");
            migrationBuilder.Sql("UPDATE \"Unlocks\" SET \"AdvisorLanguage\" = (SELECT a.\"Language\" FROM \"Advisors\" a WHERE a.\"Id\" = \"Unlocks\".\"AdvisorId\") WHERE \"AdvisorLanguage\" IS NULL");

            // The rollups count by language now (a new source, DailySends, and new counters): the triggers again (ADR-005).
            Hubix.Dashboard.RollupSql.InstallTriggers(migrationBuilder, postgres: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("DROP TRIGGER IF EXISTS \"Rollup_DailySends_Insert\" ON \"DailySends\"; DROP FUNCTION IF EXISTS \"Rollup_DailySends_Insert\"();");

            migrationBuilder.DropColumn(
                name: "AdvisorLanguage",
                table: "Unlocks");

            migrationBuilder.DropColumn(
                name: "LanguageFallback",
                table: "Unlocks");

            migrationBuilder.DropColumn(
                name: "PackLanguage",
                table: "Unlocks");

            migrationBuilder.DropColumn(
                name: "AdvisorLanguage",
                table: "DailySends");

            migrationBuilder.DropColumn(
                name: "Lang",
                table: "ContentItems");
        }
    }
}
