using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace CraftedSignal.Domain.Persistence.Migrations
{
    /// <inheritdoc />
    public partial class AuditChainChecks : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "AuditChainChecks",
                columns: table => new
                {
                    ChainId = table.Column<Guid>(type: "TEXT", nullable: false),
                    CompanyId = table.Column<Guid>(type: "TEXT", nullable: true),
                    CheckedAt = table.Column<DateTime>(type: "TEXT", nullable: false),
                    EntriesChecked = table.Column<long>(type: "INTEGER", nullable: false),
                    FirstBrokenSequence = table.Column<long>(type: "INTEGER", nullable: true),
                    Problem = table.Column<string>(type: "TEXT", maxLength: 500, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_AuditChainChecks", x => x.ChainId);
                });

            migrationBuilder.CreateIndex(
                name: "IX_AuditChainChecks_CompanyId",
                table: "AuditChainChecks",
                column: "CompanyId");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "AuditChainChecks");
        }
    }
}
