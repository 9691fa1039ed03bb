#!/usr/bin/env bash
# One-command demo on a fresh Linux machine: starts two NFS-Ganesha servers on loopback addresses, the
# first with a referral to the second, and shows dokannfs following it: which server answers each path and
# that a nested mount is grafted the first time the referral is entered. Stops both servers by pid.
# Installs NFS-Ganesha (and attr, for the referral's xattr) when missing, as root.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v ganesha.nfsd >/dev/null 2>&1 && dpkg -s nfs-ganesha-vfs >/dev/null 2>&1 || need+=(nfs-ganesha nfs-ganesha-vfs)
command -v setfattr >/dev/null 2>&1 || need+=(attr)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "Needed: sudo apt-get install -y --no-install-recommends ${need[*]}" >&2
    exit 2
  fi
  echo "== Installing ${need[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

# The first server anywhere; the second where referrals lead: NFS's port 2049, on its own loopback address.
first_addr=127.0.0.1
first_port=${DEMO_PORT:-20490}
second_addr=${DEMO_SECOND_ADDR:-127.0.0.77}
second_port=2049
dir=$(mktemp -d /tmp/dokannfs-demo.XXXXXX)

# write_config NAME ADDR PORT: a Ganesha configuration serving $dir/NAME/export as /export on ADDR:PORT.
write_config() {
  local name=$1 addr=$2 port=$3
  mkdir -p "$dir/$name/export" "$dir/$name/recov"
  cat > "$dir/$name/ganesha.conf" <<CONF
NFS_CORE_PARAM { Protocols = 4; NFS_Port = $port; Bind_Addr = $addr; Enable_NLM = false; Enable_RQUOTA = false; Enable_UDP = false; }
NFSV4 { Minor_Versions = 0, 1, 2; RecoveryBackend = fs; RecoveryRoot = $dir/$name/recov; Graceless = true; Lease_Lifetime = 10; }
NFS_KRB5 { Active_krb5 = false; }
EXPORT {
  Export_Id = 1; Path = $dir/$name/export; Pseudo = /export; Access_Type = RW; Squash = No_Root_Squash;
  SecType = sys; Protocols = 4; Transports = TCP; Attr_Expiration_Time = 0; FSAL { Name = VFS; }
}
LOG { Default_Log_Level = EVENT; }
CONF
}

pids=()
cleanup() {
  for pid in "${pids[@]}"; do
    if kill -0 "$pid" 2>/dev/null; then
      kill "$pid"; wait "$pid" 2>/dev/null || true
      echo "== Stopped a server (pid $pid)"
    fi
  done
  rm -rf "$dir"
}
trap cleanup EXIT

# start NAME ADDR PORT: runs Ganesha in the foreground of a background job and waits until it listens.
start() {
  local name=$1 addr=$2 port=$3
  if (exec 3<>"/dev/tcp/$addr/$port") 2>/dev/null; then
    echo "Something already listens on $addr:$port; set DEMO_PORT / DEMO_SECOND_ADDR to free ones." >&2
    exit 1
  fi
  ganesha.nfsd -F -L "$dir/$name/ganesha.log" -f "$dir/$name/ganesha.conf" -p "$dir/$name/ganesha.pid" -N NIV_EVENT -E "$(( $(date +%s) + ${#pids[@]} ))" &
  local pid=$!
  pids+=("$pid")
  for _ in $(seq 1 100); do
    if (exec 3<>"/dev/tcp/$addr/$port") 2>/dev/null; then
      echo "== NFS-Ganesha '$name' (pid $pid) serves $dir/$name/export as $addr:$port/export"
      return
    fi
    kill -0 "$pid" 2>/dev/null || { echo "The server '$name' failed to start:"; cat "$dir/$name/ganesha.log"; exit 1; }
    sleep 0.1
  done
  echo "The server '$name' did not start listening on $addr:$port" >&2
  exit 1
}

echo "== Building dokannfs"
dotnet build src/DokanNfs.Cli -c Release -v quiet -nologo >/dev/null

write_config first "$first_addr" "$first_port"
write_config second "$second_addr" "$second_port"
echo "hello from the first server" > "$dir/first/export/hello.txt"
mkdir -p "$dir/first/export/docs" "$dir/second/export/reports"
echo "quarterly numbers, kept on the second server" > "$dir/second/export/reports/q3.txt"
# A referral on Ganesha's VFS back end: a directory with the sticky bit and no execute bits, its target in
# the user.fs_location xattr. Clients that enter it get NFS4ERR_MOVED and fs_locations (RFC 7530 §8).
mkdir "$dir/first/export/archive"
setfattr -n user.fs_location -v "$second_addr:/export" "$dir/first/export/archive"
chmod 1644 "$dir/first/export/archive"

start first "$first_addr" "$first_port"
start second "$second_addr" "$second_port"

# The client's identity file goes with the demo's directory instead of ~/.local/state.
export DOKANNFS_STATE_DIR="$dir/state"
dokannfs() { dotnet src/DokanNfs.Cli/bin/Release/net10.0/dokannfs.dll "$@"; }
url="nfs://$first_addr:$first_port/export"
run() { echo; echo "\$ dokannfs $*"; dokannfs "$@"; }

run ping "$url"

echo
echo "== Listing the first server. 'archive' is a referral: it shows as a directory with synthesized"
echo "   attributes, and the second server is not contacted (the trigger is not fired by a listing or a stat)."
run ls -l "$url"
run stat "$url/archive"

echo
echo "== ls -R walks the first server; it does not cross into the referral on its own."
run ls -R "$url"

echo
echo "== Entering the referral: the client follows fs_locations to $second_addr:$second_port and grafts a"
echo "   nested mount at /export/archive. stat's 'server' line names the server that answered."
run ls -l "$url/archive/reports"
run stat "$url/archive/reports/q3.txt"
run cat "$url/archive/reports/q3.txt"

echo
echo "== Copying through the referral: up into the second server's export and back down."
head -c 3000000 /dev/urandom > "$dir/local.bin"
run cp "$dir/local.bin" "$url/archive/reports/"
run cp "$url/archive/reports/local.bin" "$dir/back.bin"
cmp "$dir/local.bin" "$dir/back.bin" && echo "(the copy that went up and came back is byte-identical)"
cmp "$dir/local.bin" "$dir/second/export/reports/local.bin" && echo "(and it is in the second server's export directory: $dir/second/export/reports/local.bin)"

echo
echo "== Mapping a drive needs Windows and Dokan. On Windows the same export would be mapped with:"
echo "     dokannfs mount $url Z:"
echo "   Here the command explains itself and the file commands above keep working:"
set +e
run mount "$url" Z:
echo "(exit code $?)"
set -e
