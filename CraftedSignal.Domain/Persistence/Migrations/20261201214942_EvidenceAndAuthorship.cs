using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace CraftedSignal.Domain.Persistence.Migrations
{
    /// <inheritdoc />
    public partial class EvidenceAndAuthorship : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropForeignKey(
                name: "FK_ApprovalRequests_DetectionRules_RuleId",
                table: "ApprovalRequests");

            migrationBuilder.DropForeignKey(
                name: "FK_Deployments_DetectionRules_RuleId",
                table: "Deployments");

            migrationBuilder.DropForeignKey(
                name: "FK_ReviewDecisions_ApprovalRequests_RequestId",
                table: "ReviewDecisions");

            migrationBuilder.DropForeignKey(
                name: "FK_RuleVersions_DetectionRules_RuleId",
                table: "RuleVersions");

            migrationBuilder.DropForeignKey(
                name: "FK_TestResults_TestRuns_TestRunId",
                table: "TestResults");

            migrationBuilder.DropForeignKey(
                name: "FK_TestRuns_DetectionRules_RuleId",
                table: "TestRuns");

            migrationBuilder.AddColumn<string>(
                name: "RecordedByName",
                table: "RuleVersions",
                type: "TEXT",
                maxLength: 256,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "RecordedByUserId",
                table: "RuleVersions",
                type: "TEXT",
                maxLength: 450,
                nullable: true);

            migrationBuilder.AddColumn<DateTime>(
                name: "ArchivedAt",
                table: "DetectionRules",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "ArchivedBy",
                table: "DetectionRules",
                type: "TEXT",
                maxLength: 256,
                nullable: true);

            migrationBuilder.AddColumn<bool>(
                name: "RequireTestsForReview",
                table: "Companies",
                type: "INTEGER",
                nullable: false,
                defaultValue: true);

            migrationBuilder.AddColumn<Guid>(
                name: "ConcurrencyStamp",
                table: "ApprovalRequests",
                type: "TEXT",
                nullable: false,
                defaultValue: new Guid("00000000-0000-0000-0000-000000000000"));

            migrationBuilder.AddForeignKey(
                name: "FK_ApprovalRequests_DetectionRules_RuleId",
                table: "ApprovalRequests",
                column: "RuleId",
                principalTable: "DetectionRules",
                principalColumn: "Id",
                onDelete: ReferentialAction.Restrict);

            migrationBuilder.AddForeignKey(
                name: "FK_Deployments_DetectionRules_RuleId",
                table: "Deployments",
                column: "RuleId",
                principalTable: "DetectionRules",
                principalColumn: "Id",
                onDelete: ReferentialAction.Restrict);

            migrationBuilder.AddForeignKey(
                name: "FK_ReviewDecisions_ApprovalRequests_RequestId",
                table: "ReviewDecisions",
                column: "RequestId",
                principalTable: "ApprovalRequests",
                principalColumn: "Id",
                onDelete: ReferentialAction.Restrict);

            migrationBuilder.AddForeignKey(
                name: "FK_RuleVersions_DetectionRules_RuleId",
                table: "RuleVersions",
                column: "RuleId",
                principalTable: "DetectionRules",
                principalColumn: "Id",
                onDelete: ReferentialAction.Restrict);

            migrationBuilder.AddForeignKey(
                name: "FK_TestResults_TestRuns_TestRunId",
                table: "TestResults",
                column: "TestRunId",
                principalTable: "TestRuns",
                principalColumn: "Id",
                onDelete: ReferentialAction.Restrict);

            migrationBuilder.AddForeignKey(
                name: "FK_TestRuns_DetectionRules_RuleId",
                table: "TestRuns",
                column: "RuleId",
                principalTable: "DetectionRules",
                principalColumn: "Id",
                onDelete: ReferentialAction.Restrict);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropForeignKey(
                name: "FK_ApprovalRequests_DetectionRules_RuleId",
                table: "ApprovalRequests");

            migrationBuilder.DropForeignKey(
                name: "FK_Deployments_DetectionRules_RuleId",
                table: "Deployments");

            migrationBuilder.DropForeignKey(
                name: "FK_ReviewDecisions_ApprovalRequests_RequestId",
                table: "ReviewDecisions");

            migrationBuilder.DropForeignKey(
                name: "FK_RuleVersions_DetectionRules_RuleId",
                table: "RuleVersions");

            migrationBuilder.DropForeignKey(
                name: "FK_TestResults_TestRuns_TestRunId",
                table: "TestResults");

            migrationBuilder.DropForeignKey(
                name: "FK_TestRuns_DetectionRules_RuleId",
                table: "TestRuns");

            migrationBuilder.DropColumn(
                name: "RecordedByName",
                table: "RuleVersions");

            migrationBuilder.DropColumn(
                name: "RecordedByUserId",
                table: "RuleVersions");

            migrationBuilder.DropColumn(
                name: "ArchivedAt",
                table: "DetectionRules");

            migrationBuilder.DropColumn(
                name: "ArchivedBy",
                table: "DetectionRules");

            migrationBuilder.DropColumn(
                name: "RequireTestsForReview",
                table: "Companies");

            migrationBuilder.DropColumn(
                name: "ConcurrencyStamp",
                table: "ApprovalRequests");

            migrationBuilder.AddForeignKey(
                name: "FK_ApprovalRequests_DetectionRules_RuleId",
                table: "ApprovalRequests",
                column: "RuleId",
                principalTable: "DetectionRules",
                principalColumn: "Id",
                onDelete: ReferentialAction.Cascade);

            migrationBuilder.AddForeignKey(
                name: "FK_Deployments_DetectionRules_RuleId",
                table: "Deployments",
                column: "RuleId",
                principalTable: "DetectionRules",
                principalColumn: "Id",
                onDelete: ReferentialAction.Cascade);

            migrationBuilder.AddForeignKey(
                name: "FK_ReviewDecisions_ApprovalRequests_RequestId",
                table: "ReviewDecisions",
                column: "RequestId",
                principalTable: "ApprovalRequests",
                principalColumn: "Id",
                onDelete: ReferentialAction.Cascade);

            migrationBuilder.AddForeignKey(
                name: "FK_RuleVersions_DetectionRules_RuleId",
                table: "RuleVersions",
                column: "RuleId",
                principalTable: "DetectionRules",
                principalColumn: "Id",
                onDelete: ReferentialAction.Cascade);

            migrationBuilder.AddForeignKey(
                name: "FK_TestResults_TestRuns_TestRunId",
                table: "TestResults",
                column: "TestRunId",
                principalTable: "TestRuns",
                principalColumn: "Id",
                onDelete: ReferentialAction.Cascade);

            migrationBuilder.AddForeignKey(
                name: "FK_TestRuns_DetectionRules_RuleId",
                table: "TestRuns",
                column: "RuleId",
                principalTable: "DetectionRules",
                principalColumn: "Id",
                onDelete: ReferentialAction.Cascade);
        }
    }
}
