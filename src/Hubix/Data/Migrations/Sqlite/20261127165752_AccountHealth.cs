using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Hubix.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class AccountHealth : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "AccountEvents",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    At = table.Column<DateTime>(type: "TEXT", nullable: false),
                    Field = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    Event = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    Subject = table.Column<string>(type: "TEXT", maxLength: 600, nullable: true),
                    Severity = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    Summary = table.Column<string>(type: "TEXT", maxLength: 1000, nullable: false),
                    Json = table.Column<string>(type: "TEXT", nullable: true),
                    MessagingLimit = table.Column<int>(type: "INTEGER", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_AccountEvents", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "TemplateHealth",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    Name = table.Column<string>(type: "TEXT", maxLength: 512, nullable: false),
                    Language = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    TemplateId = table.Column<string>(type: "TEXT", maxLength: 64, nullable: true),
                    Status = table.Column<string>(type: "TEXT", maxLength: 32, nullable: true),
                    StatusReason = table.Column<string>(type: "TEXT", maxLength: 200, nullable: true),
                    StatusAt = table.Column<DateTime>(type: "TEXT", nullable: true),
                    Category = table.Column<string>(type: "TEXT", maxLength: 32, nullable: true),
                    PreviousCategory = table.Column<string>(type: "TEXT", maxLength: 32, nullable: true),
                    CategoryAt = table.Column<DateTime>(type: "TEXT", nullable: true),
                    PendingCategory = table.Column<string>(type: "TEXT", maxLength: 32, nullable: true),
                    PendingCategoryAt = table.Column<DateTime>(type: "TEXT", nullable: true),
                    Quality = table.Column<string>(type: "TEXT", maxLength: 16, nullable: true),
                    QualityAt = table.Column<DateTime>(type: "TEXT", nullable: true),
                    ConfirmedCategory = table.Column<string>(type: "TEXT", maxLength: 32, nullable: true),
                    ConfirmedAt = table.Column<DateTime>(type: "TEXT", nullable: true),
                    UpdatedAt = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_TemplateHealth", x => x.Id);
                });

            migrationBuilder.CreateIndex(
                name: "IX_AccountEvents_At",
                table: "AccountEvents",
                column: "At");

            migrationBuilder.CreateIndex(
                name: "IX_AccountEvents_Field_Id",
                table: "AccountEvents",
                columns: new[] { "Field", "Id" });

            migrationBuilder.CreateIndex(
                name: "IX_TemplateHealth_Name_Language",
                table: "TemplateHealth",
                columns: new[] { "Name", "Language" },
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "AccountEvents");

            migrationBuilder.DropTable(
                name: "TemplateHealth");
        }
    }
}
