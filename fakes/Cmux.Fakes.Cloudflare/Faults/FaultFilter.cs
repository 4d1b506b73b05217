using Cmux.Fakes.Cloudflare.Api;

namespace Cmux.Fakes.Cloudflare.Faults;

/// <summary>Answers an armed call with a 5xx in Cloudflare's envelope, before or after the call takes effect.</summary>
public sealed class FaultFilter(FaultInjector faults) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var request = context.HttpContext.Request;
        var path = request.Path.Value ?? "/";
        path = path.StartsWith(CloudflareFakeExtensions.BasePath, StringComparison.Ordinal) ? path[CloudflareFakeExtensions.BasePath.Length..] : path;
        if (faults.Take(request.Method, path) is not { } fault)
        {
            return await next(context);
        }
        if (fault.Timing == FaultTiming.After)
        {
            // The handlers change the stores before they return; dropping their result loses only the answer.
            await next(context);
        }
        return ApiResults.Error(fault.Status, 10001, "Internal server error (fault injected by the fake)");
    }
}
