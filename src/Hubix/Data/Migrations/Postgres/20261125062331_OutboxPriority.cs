using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Hubix.Data.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class OutboxPriority : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_OutboxMessages_State_NextAttemptAt",
                table: "OutboxMessages");

            migrationBuilder.AddColumn<int>(
                name: "Priority",
                table: "OutboxMessages",
                type: "integer",
                nullable: false,
                defaultValue: 0);

            migrationBuilder.CreateIndex(
                name: "IX_OutboxMessages_State_Priority_NextAttemptAt",
                table: "OutboxMessages",
                columns: new[] { "State", "Priority", "NextAttemptAt" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_OutboxMessages_State_Priority_NextAttemptAt",
                table: "OutboxMessages");

            migrationBuilder.DropColumn(
                name: "Priority",
                table: "OutboxMessages");

            migrationBuilder.CreateIndex(
                name: "IX_OutboxMessages_State_NextAttemptAt",
                table: "OutboxMessages",
                columns: new[] { "State", "NextAttemptAt" });
        }
    }
}
