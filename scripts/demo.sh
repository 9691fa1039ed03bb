#!/usr/bin/env bash
# One-command demo on a fresh Linux machine: starts an NFS-Ganesha server on a loopback address,
# talks to it with dokannfs, and stops the server by its pid. Installs NFS-Ganesha when missing (as root).
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v ganesha.nfsd >/dev/null 2>&1 || ! dpkg -s nfs-ganesha-vfs >/dev/null 2>&1; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "NFS-Ganesha is needed: sudo apt-get install -y --no-install-recommends nfs-ganesha nfs-ganesha-vfs" >&2
    exit 2
  fi
  echo "== Installing NFS-Ganesha"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends nfs-ganesha nfs-ganesha-vfs >/dev/null
fi

addr=127.0.0.1
port=${DEMO_PORT:-20490}
dir=$(mktemp -d /tmp/dokannfs-demo.XXXXXX)
mkdir -p "$dir/export" "$dir/recov"
echo "hello from NFS" > "$dir/export/hello.txt"
mkdir -p "$dir/export/docs"

cat > "$dir/ganesha.conf" <<CONF
NFS_CORE_PARAM { Protocols = 4; NFS_Port = $port; Bind_Addr = $addr; Enable_NLM = false; Enable_RQUOTA = false; Enable_UDP = false; }
NFSV4 { Minor_Versions = 0, 1, 2; RecoveryBackend = fs; RecoveryRoot = $dir/recov; Graceless = true; Lease_Lifetime = 10; }
NFS_KRB5 { Active_krb5 = false; }
EXPORT {
  Export_Id = 1; Path = $dir/export; Pseudo = /export; Access_Type = RW; Squash = No_Root_Squash;
  SecType = sys; Protocols = 4; Transports = TCP; Attr_Expiration_Time = 0; FSAL { Name = VFS; }
}
LOG { Default_Log_Level = EVENT; }
CONF

pid=
cleanup() {
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    kill "$pid"; wait "$pid" 2>/dev/null || true
    echo "== Stopped the server (pid $pid)"
  fi
  rm -rf "$dir"
}
trap cleanup EXIT

echo "== Building dokannfs"
dotnet build src/DokanNfs.Cli -c Release -v quiet -nologo >/dev/null

echo "== Starting NFS-Ganesha on $addr:$port, exporting $dir/export as /export"
ganesha.nfsd -F -L "$dir/ganesha.log" -f "$dir/ganesha.conf" -p "$dir/ganesha.pid" -N NIV_EVENT -E "$(date +%s)" &
pid=$!
for _ in $(seq 1 100); do
  if (exec 3<>"/dev/tcp/$addr/$port") 2>/dev/null; then break; fi
  kill -0 "$pid" 2>/dev/null || { echo "The server failed to start:"; cat "$dir/ganesha.log"; exit 1; }
  sleep 0.1
done

# The client's identity file goes with the demo's directory instead of ~/.local/state.
export DOKANNFS_STATE_DIR="$dir/state"
dokannfs() { dotnet src/DokanNfs.Cli/bin/Release/net10.0/dokannfs.dll "$@"; }
url="nfs://$addr:$port/export"
run() { echo "\$ dokannfs $*"; dokannfs "$@"; }

echo "== dokannfs ping $url"
dokannfs ping "$url"

echo "== File commands"
head -c 3000000 /dev/urandom > "$dir/local.bin"
run ls -l "$url"
run cat "$url/hello.txt"
run mkdir -p "$url/docs/2024/march"
run cp "$dir/local.bin" "$url/docs/2024/"
run ln -s docs/2024/local.bin "$url/latest"
run mv "$url/docs/2024/local.bin" "$url/docs/2024/march/data.bin"
run ls -R "$addr:/export" --port "$port"
run stat --json "$url/docs/2024/march/data.bin"
run cp "$url/docs/2024/march/data.bin" "$dir/back.bin"
cmp "$dir/local.bin" "$dir/back.bin" && echo "(the copy that went up and came back is byte-identical)"
run rm -r "$url/docs/2024"
set +e
run stat "$url/docs/2024"
echo "(exit code $? : not found)"
set -e
