using System.IO.Pipes;
using System.Text;
using DokanNfs.Cli.Mounting;
using Microsoft.Extensions.Logging.Abstractions;

namespace DokanNfs.Integration.Tests.Cli;

/// <summary>The control pipe over a real named pipe (a Unix socket here): one request line, one reply line.</summary>
[TestClass]
public sealed class ControlChannelTests(TestContext testContext)
{
    private CancellationToken Ct => testContext.CancellationToken;

    [TestMethod]
    public async Task Requests_get_their_replies_one_connection_each()
    {
        var pipe = ControlChannel.PipeName(MountRegistry.NewId());
        var seen = new List<string>();
        await using var server = new ControlServer(pipe, (request, _) =>
        {
            lock (seen)
            {
                seen.Add(request);
            }

            return ValueTask.FromResult("reply to " + request);
        }, NullLogger.Instance);

        var replies = await Task.WhenAll(Enumerable.Range(0, 8).Select(i => ControlChannel.SendAsync(pipe, "stats" + i, TimeSpan.FromSeconds(10), Ct)));

        CollectionAssert.AreEquivalent(Enumerable.Range(0, 8).Select(i => "reply to stats" + i).ToList(), replies);
        Assert.HasCount(8, seen);
    }

    [TestMethod]
    public async Task A_request_line_too_long_is_dropped_and_the_server_goes_on()
    {
        var pipe = ControlChannel.PipeName(MountRegistry.NewId());
        await using var server = new ControlServer(pipe, (request, _) => ValueTask.FromResult("ok " + request), NullLogger.Instance);

        await using (var client = new NamedPipeClientStream(".", pipe, PipeDirection.InOut, PipeOptions.Asynchronous | PipeOptions.CurrentUserOnly))
        {
            await client.ConnectAsync(Ct);
            await client.WriteAsync(Encoding.UTF8.GetBytes(new string('x', 1000)), Ct);
            var buffer = new byte[16];
            int read;
            try
            {
                read = await client.ReadAsync(buffer, Ct);
            }
            catch (IOException)
            {
                // Closed with our bytes unread: the peer sees a reset rather than an end of stream.
                read = 0;
            }

            Assert.AreEqual(0, read, "no reply: the connection is closed");
        }

        Assert.AreEqual("ok status", await ControlChannel.SendAsync(pipe, "status", TimeSpan.FromSeconds(10), Ct));
    }

    [TestMethod]
    public async Task A_pipe_nobody_serves_is_a_timeout_or_io_error()
    {
        var pipe = ControlChannel.PipeName(MountRegistry.NewId());

        var ex = await Assert.ThrowsAsync<Exception>(() => ControlChannel.SendAsync(pipe, "status", TimeSpan.FromMilliseconds(300), Ct));

        Assert.IsTrue(ex is TimeoutException or IOException, ex.ToString());
    }

    [TestMethod]
    public async Task A_disposed_server_stops_listening()
    {
        var pipe = ControlChannel.PipeName(MountRegistry.NewId());
        var server = new ControlServer(pipe, (request, _) => ValueTask.FromResult(request), NullLogger.Instance);
        Assert.AreEqual("status", await ControlChannel.SendAsync(pipe, "status", TimeSpan.FromSeconds(10), Ct));

        await server.DisposeAsync();

        await Assert.ThrowsAsync<Exception>(() => ControlChannel.SendAsync(pipe, "status", TimeSpan.FromMilliseconds(300), Ct));
    }
}
