using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace CraftedSignal.Domain.Persistence.Migrations
{
    /// <inheritdoc />
    public partial class TenantKeys : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "TenantKeys",
                columns: table => new
                {
                    CompanyId = table.Column<Guid>(type: "TEXT", nullable: false),
                    WrappedKey = table.Column<byte[]>(type: "BLOB", maxLength: 60, nullable: false),
                    MasterKeyId = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    CreatedAt = table.Column<DateTime>(type: "TEXT", nullable: false),
                    RewrappedAt = table.Column<DateTime>(type: "TEXT", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_TenantKeys", x => x.CompanyId);
                    table.ForeignKey(
                        name: "FK_TenantKeys_Companies_CompanyId",
                        column: x => x.CompanyId,
                        principalTable: "Companies",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_TenantKeys_MasterKeyId",
                table: "TenantKeys",
                column: "MasterKeyId");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "TenantKeys");
        }
    }
}
