using System.Runtime.InteropServices;

namespace DokanNfs.SideBySide;

/// <summary>
/// Runs an action when the harness is stopped by SIGTERM, SIGHUP or SIGQUIT. Since .NET 10 these end the process
/// without raising ProcessExit and without unwinding (no finally runs): what the harness changed on the machine is put
/// back from here. The signal is left uncancelled, so its default action follows. SIGINT (Ctrl+C) is Program's: it
/// stops the run, which then unwinds.
/// </summary>
public sealed class OnTermination : IDisposable
{
    private static readonly PosixSignal[] Signals = [PosixSignal.SIGTERM, PosixSignal.SIGHUP, PosixSignal.SIGQUIT];

    private readonly PosixSignalRegistration[] _registrations;

    public OnTermination(Action action)
    {
        ArgumentNullException.ThrowIfNull(action);
        _registrations = [.. Signals.Select(signal => PosixSignalRegistration.Create(signal, _ => action()))];
    }

    public void Dispose()
    {
        foreach (var registration in _registrations)
        {
            registration.Dispose();
        }
    }
}
