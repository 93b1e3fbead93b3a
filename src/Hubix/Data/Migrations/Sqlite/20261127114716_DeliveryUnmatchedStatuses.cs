using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Hubix.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class DeliveryUnmatchedStatuses : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "UnmatchedStatuses",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    WaMessageId = table.Column<string>(type: "TEXT", maxLength: 256, nullable: false),
                    OutboxId = table.Column<long>(type: "INTEGER", nullable: true),
                    Status = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    At = table.Column<DateTime>(type: "TEXT", nullable: false),
                    ErrorCode = table.Column<int>(type: "INTEGER", nullable: true),
                    ErrorDetails = table.Column<string>(type: "TEXT", maxLength: 1000, nullable: true),
                    ReceivedAt = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_UnmatchedStatuses", x => x.Id);
                });

            migrationBuilder.CreateIndex(
                name: "IX_UnmatchedStatuses_OutboxId",
                table: "UnmatchedStatuses",
                column: "OutboxId");

            migrationBuilder.CreateIndex(
                name: "IX_UnmatchedStatuses_ReceivedAt",
                table: "UnmatchedStatuses",
                column: "ReceivedAt");

            migrationBuilder.CreateIndex(
                name: "IX_UnmatchedStatuses_WaMessageId_Status",
                table: "UnmatchedStatuses",
                columns: new[] { "WaMessageId", "Status" },
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "UnmatchedStatuses");
        }
    }
}
