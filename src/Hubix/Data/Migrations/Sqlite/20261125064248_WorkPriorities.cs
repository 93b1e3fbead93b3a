using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Hubix.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class WorkPriorities : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_OutboxMessages_State_NextAttemptAt",
                table: "OutboxMessages");

            migrationBuilder.DropIndex(
                name: "IX_InboxEvents_State_NextAttemptAt",
                table: "InboxEvents");

            migrationBuilder.DropIndex(
                name: "IX_ConversationTurns_State_NextAttemptAt",
                table: "ConversationTurns");

            migrationBuilder.AddColumn<int>(
                name: "Priority",
                table: "OutboxMessages",
                type: "INTEGER",
                nullable: false,
                defaultValue: 0);

            migrationBuilder.AddColumn<int>(
                name: "Priority",
                table: "InboxEvents",
                type: "INTEGER",
                nullable: false,
                defaultValue: 0);

            migrationBuilder.CreateIndex(
                name: "IX_OutboxMessages_State_Priority_NextAttemptAt",
                table: "OutboxMessages",
                columns: new[] { "State", "Priority", "NextAttemptAt" });

            migrationBuilder.CreateIndex(
                name: "IX_InboxEvents_State_Priority_Id",
                table: "InboxEvents",
                columns: new[] { "State", "Priority", "Id" });

            migrationBuilder.CreateIndex(
                name: "IX_ConversationTurns_State_Id",
                table: "ConversationTurns",
                columns: new[] { "State", "Id" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_OutboxMessages_State_Priority_NextAttemptAt",
                table: "OutboxMessages");

            migrationBuilder.DropIndex(
                name: "IX_InboxEvents_State_Priority_Id",
                table: "InboxEvents");

            migrationBuilder.DropIndex(
                name: "IX_ConversationTurns_State_Id",
                table: "ConversationTurns");

            migrationBuilder.DropColumn(
                name: "Priority",
                table: "OutboxMessages");

            migrationBuilder.DropColumn(
                name: "Priority",
                table: "InboxEvents");

            migrationBuilder.CreateIndex(
                name: "IX_OutboxMessages_State_NextAttemptAt",
                table: "OutboxMessages",
                columns: new[] { "State", "NextAttemptAt" });

            migrationBuilder.CreateIndex(
                name: "IX_InboxEvents_State_NextAttemptAt",
                table: "InboxEvents",
                columns: new[] { "State", "NextAttemptAt" });

            migrationBuilder.CreateIndex(
                name: "IX_ConversationTurns_State_NextAttemptAt",
                table: "ConversationTurns",
                columns: new[] { "State", "NextAttemptAt" });
        }
    }
}
