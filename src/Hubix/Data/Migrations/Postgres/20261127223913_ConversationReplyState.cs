using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Hubix.Data.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class ConversationReplyState : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<DateTime>(
                name: "NeedsReplyAt",
                table: "Advisors",
                type: "timestamp with time zone",
                nullable: true);

            // Which conversations need a reply now, from the log and the outbox (the writers keep it from here on).
            Hubix.Advisors.ReplyState.Backfill(migrationBuilder);

            migrationBuilder.CreateIndex(
                name: "IX_Advisors_Handoff_LastInboundAt_Phone",
                table: "Advisors",
                columns: new[] { "LastInboundAt", "Phone" },
                filter: "\"HandoffOpen\"");

            migrationBuilder.CreateIndex(
                name: "IX_Advisors_NeedsReplyAt_Phone",
                table: "Advisors",
                columns: new[] { "NeedsReplyAt", "Phone" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_Advisors_Handoff_LastInboundAt_Phone",
                table: "Advisors");

            migrationBuilder.DropIndex(
                name: "IX_Advisors_NeedsReplyAt_Phone",
                table: "Advisors");

            migrationBuilder.DropColumn(
                name: "NeedsReplyAt",
                table: "Advisors");
        }
    }
}
