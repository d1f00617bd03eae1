using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace CraftedSignal.Domain.Persistence.Migrations
{
    /// <inheritdoc />
    public partial class DeploymentBatches : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<bool>(
                name: "Atomic",
                table: "Deployments",
                type: "INTEGER",
                nullable: false,
                defaultValue: false);

            migrationBuilder.AddColumn<Guid>(
                name: "BatchId",
                table: "Deployments",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<Guid>(
                name: "ReplacedId",
                table: "Deployments",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "Sequence",
                table: "Deployments",
                type: "INTEGER",
                nullable: false,
                defaultValue: 0);

            migrationBuilder.AddColumn<DateTime>(
                name: "StartedAt",
                table: "Deployments",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<Guid>(
                name: "UndoesId",
                table: "Deployments",
                type: "TEXT",
                nullable: true);

            migrationBuilder.CreateIndex(
                name: "IX_Deployments_BatchId",
                table: "Deployments",
                column: "BatchId");

            migrationBuilder.CreateIndex(
                name: "IX_Deployments_CompanyId_CreatedAt",
                table: "Deployments",
                columns: new[] { "CompanyId", "CreatedAt" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_Deployments_BatchId",
                table: "Deployments");

            migrationBuilder.DropIndex(
                name: "IX_Deployments_CompanyId_CreatedAt",
                table: "Deployments");

            migrationBuilder.DropColumn(
                name: "Atomic",
                table: "Deployments");

            migrationBuilder.DropColumn(
                name: "BatchId",
                table: "Deployments");

            migrationBuilder.DropColumn(
                name: "ReplacedId",
                table: "Deployments");

            migrationBuilder.DropColumn(
                name: "Sequence",
                table: "Deployments");

            migrationBuilder.DropColumn(
                name: "StartedAt",
                table: "Deployments");

            migrationBuilder.DropColumn(
                name: "UndoesId",
                table: "Deployments");
        }
    }
}
