using Microsoft.Extensions.Options;

namespace Cmux.Execd.Exec;

/// <summary>
/// The concurrency limit: at most <see cref="ExecdOptions.MaxConcurrentCommands"/> commands (and
/// uploads) at once, so a burst cannot fork the sandbox to death; one more is refused at once
/// rather than queued, and the client retries.
/// </summary>
public sealed class CommandSlots(IOptions<ExecdOptions> options)
{
    private readonly int _limit = options.Value.MaxConcurrentCommands;
    private int _running;

    public int Limit => _limit;

    public bool TryEnter()
    {
        if (_limit <= 0)
        {
            return true;
        }
        if (Interlocked.Increment(ref _running) <= _limit)
        {
            return true;
        }
        Interlocked.Decrement(ref _running);
        return false;
    }

    public void Exit()
    {
        if (_limit > 0)
        {
            Interlocked.Decrement(ref _running);
        }
    }

    public RequestError Refusal => new(StatusCodes.Status503ServiceUnavailable,
        $"Too many commands running at once (limit {_limit}); retry later");

    /// <summary>An endpoint filter holding a slot for the whole request; <paramref name="refuse"/> writes the profile's error.</summary>
    public static Func<EndpointFilterInvocationContext, EndpointFilterDelegate, ValueTask<object?>> Filter(Func<RequestError, IResult> refuse) =>
        async (context, next) =>
        {
            var slots = context.HttpContext.RequestServices.GetRequiredService<CommandSlots>();
            if (!slots.TryEnter())
            {
                context.HttpContext.Response.Headers.RetryAfter = "1";
                return refuse(slots.Refusal);
            }
            try
            {
                return await next(context);
            }
            finally
            {
                slots.Exit();
            }
        };
}
