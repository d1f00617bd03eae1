using CraftedSignal.Domain.Common;

namespace CraftedSignal.Web.Api;

/// <summary>The one mapping of expected failures to HTTP: problem details (RFC 9457) with the error's category as status.</summary>
internal static class ErrorResults
{
    public static IResult ToProblem(this Error error)
    {
        var (status, title) = error.Kind switch
        {
            ErrorKind.NotFound => (StatusCodes.Status404NotFound, "Not found"),
            ErrorKind.NotPermitted => (StatusCodes.Status403Forbidden, "Not permitted"),
            ErrorKind.Conflict => (StatusCodes.Status409Conflict, "Conflict"),
            _ => (StatusCodes.Status422UnprocessableEntity, "Invalid request"),
        };
        var extensions = new Dictionary<string, object?> { ["code"] = error.GetType().Name };
        if (error is Invalid invalid)
            extensions["field"] = invalid.Field;
        return Results.Problem(error.Message, statusCode: status, title: title, extensions: extensions);
    }
}
