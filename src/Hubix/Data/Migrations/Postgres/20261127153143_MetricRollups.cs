using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace Hubix.Data.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class MetricRollups : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "MetricEvents",
                columns: table => new
                {
                    Id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    Source = table.Column<int>(type: "integer", nullable: false),
                    RowId = table.Column<long>(type: "bigint", nullable: false),
                    IsInsert = table.Column<int>(type: "integer", nullable: false),
                    Old1 = table.Column<string>(type: "text", nullable: true),
                    Old2 = table.Column<string>(type: "text", nullable: true),
                    Old3 = table.Column<string>(type: "text", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_MetricEvents", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "MetricMembers",
                columns: table => new
                {
                    Day = table.Column<DateOnly>(type: "date", nullable: false),
                    Scope = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    Name = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    Member = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_MetricMembers", x => new { x.Day, x.Scope, x.Name, x.Member });
                });

            migrationBuilder.CreateTable(
                name: "MetricRollups",
                columns: table => new
                {
                    Day = table.Column<DateOnly>(type: "date", nullable: false),
                    Scope = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    Name = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    Value = table.Column<long>(type: "bigint", nullable: false),
                    LastAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_MetricRollups", x => new { x.Day, x.Scope, x.Name });
                });

            migrationBuilder.CreateTable(
                name: "MetricZone",
                columns: table => new
                {
                    FromUtc = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    OffsetMinutes = table.Column<int>(type: "integer", nullable: false),
                    ZoneId = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_MetricZone", x => x.FromUtc);
                });

            migrationBuilder.CreateIndex(
                name: "IX_Unlocks_State_Id",
                table: "Unlocks",
                columns: new[] { "State", "Id" });

            migrationBuilder.CreateIndex(
                name: "IX_MetricEvents_Source_RowId",
                table: "MetricEvents",
                columns: new[] { "Source", "RowId" });

            // The counters are kept by triggers: they see every write path, raw SQL included (RollupSql explains why).
            Hubix.Dashboard.RollupSql.InstallTriggers(migrationBuilder, postgres: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            Hubix.Dashboard.RollupSql.DropTriggers(migrationBuilder, postgres: true);

            migrationBuilder.DropTable(
                name: "MetricEvents");

            migrationBuilder.DropTable(
                name: "MetricMembers");

            migrationBuilder.DropTable(
                name: "MetricRollups");

            migrationBuilder.DropTable(
                name: "MetricZone");

            migrationBuilder.DropIndex(
                name: "IX_Unlocks_State_Id",
                table: "Unlocks");
        }
    }
}
