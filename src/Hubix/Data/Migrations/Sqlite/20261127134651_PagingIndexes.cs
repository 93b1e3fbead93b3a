using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Hubix.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class PagingIndexes : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_Interactions_Phone_Id",
                table: "Interactions");

            migrationBuilder.DropIndex(
                name: "IX_Interactions_Type_Id",
                table: "Interactions");

            migrationBuilder.AddColumn<DateTime>(
                name: "LastChatAt",
                table: "Advisors",
                type: "TEXT",
                nullable: true);

            migrationBuilder.CreateIndex(
                name: "IX_Unlocks_PackDate_Id",
                table: "Unlocks",
                columns: new[] { "PackDate", "Id" });

            migrationBuilder.CreateIndex(
                name: "IX_Unlocks_Phone_TappedAt_Id",
                table: "Unlocks",
                columns: new[] { "Phone", "TappedAt", "Id" });

            migrationBuilder.CreateIndex(
                name: "IX_UnknownSenders_LastSeenAt_Id",
                table: "UnknownSenders",
                columns: new[] { "LastSeenAt", "Id" });

            migrationBuilder.CreateIndex(
                name: "IX_OutboxMessages_Recipient_CreatedAt_Id",
                table: "OutboxMessages",
                columns: new[] { "Recipient", "CreatedAt", "Id" });

            migrationBuilder.CreateIndex(
                name: "IX_Interactions_At_Id",
                table: "Interactions",
                columns: new[] { "At", "Id" });

            migrationBuilder.CreateIndex(
                name: "IX_Interactions_Phone_At_Id",
                table: "Interactions",
                columns: new[] { "Phone", "At", "Id" });

            migrationBuilder.CreateIndex(
                name: "IX_Interactions_Type_At_Id",
                table: "Interactions",
                columns: new[] { "Type", "At", "Id" });

            migrationBuilder.CreateIndex(
                name: "IX_DailySends_LocalDate_Id",
                table: "DailySends",
                columns: new[] { "LocalDate", "Id" });

            migrationBuilder.CreateIndex(
                name: "IX_DailySends_Phone_CreatedAt_Id",
                table: "DailySends",
                columns: new[] { "Phone", "CreatedAt", "Id" });

            migrationBuilder.CreateIndex(
                name: "IX_ConversationTurns_Phone_At_Id",
                table: "ConversationTurns",
                columns: new[] { "Phone", "At", "Id" });

            migrationBuilder.CreateIndex(
                name: "IX_ConsentEvents_Phone_At_Id",
                table: "ConsentEvents",
                columns: new[] { "Phone", "At", "Id" });

            migrationBuilder.CreateIndex(
                name: "IX_Advisors_LastChatAt_Phone",
                table: "Advisors",
                columns: new[] { "LastChatAt", "Phone" });

            migrationBuilder.CreateIndex(
                name: "IX_Advisors_LastInboundAt_Phone",
                table: "Advisors",
                columns: new[] { "LastInboundAt", "Phone" });

            // Advisors who chatted before this column existed: their last message that was not a tap, read once here
            // through the new (Phone, At, Id) index, so the chat list is right from the first start.
            migrationBuilder.Sql(
                "UPDATE \"Advisors\" SET \"LastChatAt\" = (SELECT MAX(i.\"At\") FROM \"Interactions\" i " +
                "WHERE i.\"Phone\" = \"Advisors\".\"Phone\" AND i.\"Direction\" = 'in' AND i.\"Type\" NOT IN ('button', 'button_reply'))");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_Unlocks_PackDate_Id",
                table: "Unlocks");

            migrationBuilder.DropIndex(
                name: "IX_Unlocks_Phone_TappedAt_Id",
                table: "Unlocks");

            migrationBuilder.DropIndex(
                name: "IX_UnknownSenders_LastSeenAt_Id",
                table: "UnknownSenders");

            migrationBuilder.DropIndex(
                name: "IX_OutboxMessages_Recipient_CreatedAt_Id",
                table: "OutboxMessages");

            migrationBuilder.DropIndex(
                name: "IX_Interactions_At_Id",
                table: "Interactions");

            migrationBuilder.DropIndex(
                name: "IX_Interactions_Phone_At_Id",
                table: "Interactions");

            migrationBuilder.DropIndex(
                name: "IX_Interactions_Type_At_Id",
                table: "Interactions");

            migrationBuilder.DropIndex(
                name: "IX_DailySends_LocalDate_Id",
                table: "DailySends");

            migrationBuilder.DropIndex(
                name: "IX_DailySends_Phone_CreatedAt_Id",
                table: "DailySends");

            migrationBuilder.DropIndex(
                name: "IX_ConversationTurns_Phone_At_Id",
                table: "ConversationTurns");

            migrationBuilder.DropIndex(
                name: "IX_ConsentEvents_Phone_At_Id",
                table: "ConsentEvents");

            migrationBuilder.DropIndex(
                name: "IX_Advisors_LastChatAt_Phone",
                table: "Advisors");

            migrationBuilder.DropIndex(
                name: "IX_Advisors_LastInboundAt_Phone",
                table: "Advisors");

            migrationBuilder.DropColumn(
                name: "LastChatAt",
                table: "Advisors");

            migrationBuilder.CreateIndex(
                name: "IX_Interactions_Phone_Id",
                table: "Interactions",
                columns: new[] { "Phone", "Id" });

            migrationBuilder.CreateIndex(
                name: "IX_Interactions_Type_Id",
                table: "Interactions",
                columns: new[] { "Type", "Id" });
        }
    }
}
