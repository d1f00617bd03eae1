using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace CraftedSignal.Domain.Persistence.Migrations
{
    /// <inheritdoc />
    public partial class TargetSettings : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "Pipeline",
                table: "SiemTargets",
                type: "TEXT",
                maxLength: 100,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "PipelineYaml",
                table: "SiemTargets",
                type: "TEXT",
                maxLength: 65536,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "Settings",
                table: "SiemTargets",
                type: "TEXT",
                maxLength: 65536,
                nullable: true);

            migrationBuilder.AddColumn<DateTime>(
                name: "UpdatedAt",
                table: "SiemTargets",
                type: "TEXT",
                nullable: true);

            migrationBuilder.CreateTable(
                name: "TargetSecrets",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    CompanyId = table.Column<Guid>(type: "TEXT", nullable: false),
                    TargetId = table.Column<Guid>(type: "TEXT", nullable: false),
                    Field = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    Ciphertext = table.Column<byte[]>(type: "BLOB", nullable: false),
                    ReplacedByUserId = table.Column<string>(type: "TEXT", nullable: true),
                    ReplacedByName = table.Column<string>(type: "TEXT", maxLength: 256, nullable: false),
                    ReplacedAt = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_TargetSecrets", x => x.Id);
                    table.ForeignKey(
                        name: "FK_TargetSecrets_SiemTargets_TargetId",
                        column: x => x.TargetId,
                        principalTable: "SiemTargets",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_TargetSecrets_TargetId_Field",
                table: "TargetSecrets",
                columns: new[] { "TargetId", "Field" },
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "TargetSecrets");

            migrationBuilder.DropColumn(
                name: "Pipeline",
                table: "SiemTargets");

            migrationBuilder.DropColumn(
                name: "PipelineYaml",
                table: "SiemTargets");

            migrationBuilder.DropColumn(
                name: "Settings",
                table: "SiemTargets");

            migrationBuilder.DropColumn(
                name: "UpdatedAt",
                table: "SiemTargets");
        }
    }
}
