namespace DokanNfs.TestSupport.FakeServer;

/// <summary>Ready-made scripts for <see cref="FakeRpcServer.StartAsync(Func{ReceivedCall, ValueTask{FakeReply}})"/>.</summary>
public static class FakeScripts
{
    /// <summary>
    /// Holds calls until <paramref name="batchSize"/> have arrived, then answers them last-arrived-first: each
    /// reply is written only after the reply to the call that arrived after it is on the wire, so the order
    /// is exactly reversed, not merely likely to be. Calls beyond a whole batch wait for the next batch.
    /// </summary>
    public static Func<ReceivedCall, ValueTask<FakeReply>> ReverseOrder(int batchSize, Func<ReceivedCall, FakeReply> reply)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);
        ArgumentNullException.ThrowIfNull(reply);
        var gate = new Lock();
        var batch = new List<ReceivedCall>();
        var full = NewBatchSignal();
        return async call =>
        {
            Task<ReceivedCall[]> whole;
            lock (gate)
            {
                batch.Add(call);
                whole = full.Task;
                if (batch.Count == batchSize)
                {
                    // Handlers start on the thread pool in any order; arrival order is the call's Sequence.
                    full.SetResult([.. batch.OrderBy(c => c.Sequence)]);
                    batch.Clear();
                    full = NewBatchSignal();
                }
            }

            var calls = await whole.WaitAsync(call.Connection.Closing).ConfigureAwait(false);
            var position = Array.IndexOf(calls, call);
            if (position + 1 < calls.Length)
            {
                await calls[position + 1].Answered.WaitAsync(call.Connection.Closing).ConfigureAwait(false);
            }

            return reply(call);
        };
    }

    /// <summary>
    /// Holds every call until the server has received <paramref name="count"/> calls in all, then answers with
    /// <paramref name="reply"/>: if the client can only have one call in flight, the first call never returns.
    /// </summary>
    public static Func<ReceivedCall, ValueTask<FakeReply>> WhenCallsArrived(int count, Func<ReceivedCall, FakeReply> reply)
    {
        ArgumentNullException.ThrowIfNull(reply);
        return async call =>
        {
            await call.Server.WaitForCallsAsync(count, cancellationToken: call.Connection.Closing).ConfigureAwait(false);
            return reply(call);
        };
    }

    private static TaskCompletionSource<ReceivedCall[]> NewBatchSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
