namespace Cmux.Fakes.Morph.Api;

/// <summary>Errors as Morph sends them: <c>{"detail", "error_code"}</c>; 422 is FastAPI's list form.</summary>
public static class MorphErrors
{
    public static IResult Unauthorized() =>
        Error(StatusCodes.Status401Unauthorized, "Invalid or missing API key", "unauthorized");

    public static IResult InstanceNotFound(string id) =>
        Error(StatusCodes.Status404NotFound, $"Instance {id} not found", "instance_not_found");

    public static IResult SnapshotNotFound(string id) =>
        Error(StatusCodes.Status404NotFound, $"Snapshot {id} not found", "snapshot_not_found");

    public static IResult ServiceNotFound(string instance, string name) =>
        Error(StatusCodes.Status404NotFound, $"HTTP service {name} not found on instance {instance}", "service_not_found");

    public static IResult WrongStatus(string instance, string status, string needed) =>
        Error(StatusCodes.Status409Conflict, $"Instance {instance} is {status}; this needs it {needed}", "instance_not_" + needed);

    public static IResult NoCapacity() =>
        Error(StatusCodes.Status409Conflict, "No sandbox id left for a new instance", "capacity_exhausted");

    public static IResult MachineFailed(string instance, string message) =>
        Error(StatusCodes.Status502BadGateway, $"The machine behind instance {instance} failed: {message}", "instance_unreachable");

    public static IResult Error(int status, string detail, string errorCode) =>
        Results.Json(new MorphError(detail, errorCode), statusCode: status);
}

public sealed record MorphError(string Detail, string ErrorCode);
