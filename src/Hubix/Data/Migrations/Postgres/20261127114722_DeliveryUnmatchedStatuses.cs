using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace Hubix.Data.Migrations.Postgres
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
                    Id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    WaMessageId = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: false),
                    OutboxId = table.Column<long>(type: "bigint", nullable: true),
                    Status = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    At = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    ErrorCode = table.Column<int>(type: "integer", nullable: true),
                    ErrorDetails = table.Column<string>(type: "character varying(1000)", maxLength: 1000, nullable: true),
                    ReceivedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: false)
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
