using System.Globalization;

namespace DokanNfs.TestSupport.KernelNfs;

/// <summary>
/// The init script of the user-mode Linux guest that runs knfsd. The guest's root is the host's / through hostfs
/// (read-write), so everything the guest writes goes to tmpfs mounts of its own: /run, /var/lib/nfs and the export,
/// which must be a file system with export operations (hostfs has none). It prints "INIT: READY" on its console once
/// nfsd listens, or "INIT: FAILED step" and powers off; it stops nfsd (threads 0) and powers off when the stop file
/// appears in the run directory; it restarts nfsd (threads 0, then 4 again) when a restart file appears, and prints
/// "INIT: RESTARTED".
/// </summary>
internal static class KernelNfsGuest
{
    public const string GuestAddress = "10.231.0.2";
    public const string HostAddress = "10.231.0.1";
    public const string Ready = "INIT: READY";
    public const string Failed = "INIT: FAILED";
    public const string Restarted = "INIT: RESTARTED";

    // Modules in dependency order (modules.dep of the user-mode-linux package): insmod, as the guest has no depmod tree.
    private static readonly string[] Modules =
    [
        "net/sunrpc/sunrpc", "lib/oid_registry", "net/sunrpc/auth_gss/auth_rpcgss", "fs/nfs_common/grace",
        "fs/nfs_common/nfs_acl", "fs/lockd/lockd", "fs/nfsd/nfsd",
    ];

    public static string Script(string runDirectory, string moduleDirectory, int leaseSeconds) => string.Create(CultureInfo.InvariantCulture, $$"""
        #!/bin/sh
        export PATH=/usr/sbin:/usr/bin:/sbin:/bin
        D={{runDirectory}}
        fail() { echo "{{Failed}} $1"; echo o > /proc/sysrq-trigger; sleep 5; }
        mount -t proc proc /proc || fail proc
        mount -t sysfs sys /sys || fail sysfs
        mount -t tmpfs tmpfs /run || fail run
        mount -t tmpfs tmpfs /var/lib/nfs || fail var-lib-nfs
        mkdir -p /var/lib/nfs/v4recovery && touch /var/lib/nfs/etab /var/lib/nfs/rmtab
        mount -t tmpfs tmpfs $D/export || fail export-tmpfs
        chmod 0777 $D/export
        for m in {{string.Join(' ', Modules)}}; do insmod {{moduleDirectory}}/kernel/$m.ko || fail "insmod $m"; done
        ip link set lo up && ip addr add {{GuestAddress}}/30 dev vec0 && ip link set vec0 up || fail network
        mount -t nfsd nfsd /proc/fs/nfsd || fail mount-nfsd
        # RFC 8881 §8.4.2.1: the shortest lease and grace period knfsd allows (10 s), so a test never waits long.
        echo {{leaseSeconds}} > /proc/fs/nfsd/nfsv4leasetime || fail leasetime
        echo {{leaseSeconds}} > /proc/fs/nfsd/nfsv4gracetime || fail gracetime
        exportfs -o rw,fsid=0,no_subtree_check,no_root_squash,insecure,sync {{HostAddress}}/32:$D/export || fail exportfs
        rpc.mountd -F -N 2 -N 3 --no-udp > $D/mountd.log 2>&1 &
        rpc.nfsd -N 3 -V 4.1 -V 4.2 --no-udp -p 2049 4 || fail rpc.nfsd
        echo "{{Ready}}"
        while [ ! -e $D/stop ]; do
          if [ -e $D/restart ]; then
            # A server restart as the client sees it: all nfsd state gone, a new boot time, a grace period; the
            # client-tracking records (/var/lib/nfs/v4recovery, on the guest's tmpfs) survive it.
            rm -f $D/restart; rpc.nfsd 0; rpc.nfsd -N 3 -V 4.1 -V 4.2 --no-udp -p 2049 4 || fail rpc.nfsd-restart
            echo "{{Restarted}}"
          fi
          sleep 0.2
        done
        rpc.nfsd 0
        echo "INIT: threads $(cat /proc/fs/nfsd/threads)"
        echo o > /proc/sysrq-trigger
        sleep 5
        """).Replace("\r\n", "\n", StringComparison.Ordinal);
}
