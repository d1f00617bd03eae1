using System.Text.Json;
using CraftedSignal.Domain.Approvals;
using CraftedSignal.Domain.Common;
using CraftedSignal.Domain.Rules;
using CraftedSignal.Domain.Tenancy;
using CraftedSignal.Web.Api;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace CraftedSignal.Tests.Web;

/// <summary>Every expected failure maps, by its category, to one HTTP status with RFC 9457 problem details.</summary>
public sealed class ErrorResultsTests
{
    public static TheoryData<Error, int> Errors => new()
    {
        { new NotFound("The rule"), 404 },
        { new NotPermitted(Permission.Approve), 403 },
        { new NoCurrentCompany(), 403 },
        { new OwnChange(), 403 },
        { new VersionConflict(3, "Bob", new DateTime(2026, 12, 1, 9, 0, 0, DateTimeKind.Utc)), 409 },
        { new NotSubmittable("Version 2 is already waiting for review."), 409 },
        { new RuleArchived("Whoami"), 409 },
        { new Invalid("Name", "Name the test case."), 422 },
        { new ZipSlip("../etc/passwd"), 422 },
    };

    [Theory]
    [MemberData(nameof(Errors))]
    public async Task Error_BecomesProblemDetails_WithItsCategorysStatus(Error error, int status)
    {
        var context = new DefaultHttpContext { RequestServices = new ServiceCollection().AddLogging().AddProblemDetails().BuildServiceProvider() };
        context.Response.Body = new MemoryStream();

        await error.ToProblem().ExecuteAsync(context);

        Assert.Equal(status, context.Response.StatusCode);
        Assert.Equal("application/problem+json", context.Response.ContentType);
        context.Response.Body.Position = 0;
        using var json = await JsonDocument.ParseAsync(context.Response.Body);
        Assert.Equal(error.Message, json.RootElement.GetProperty("detail").GetString());
        Assert.Equal(status, json.RootElement.GetProperty("status").GetInt32());
        Assert.Equal(error.GetType().Name, json.RootElement.GetProperty("code").GetString());
        if (error is Invalid invalid)
            Assert.Equal(invalid.Field, json.RootElement.GetProperty("field").GetString());
    }
}
