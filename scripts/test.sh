#!/usr/bin/env bash
# Runs every test against real NFS-Ganesha servers that the tests start themselves.
# Installs the Debian packages the tests need when they are missing (as root), then prints
# "N passed, N failed" and exits non-zero on any failure, any skipped test, or no tests at all.
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
command -v ganesha.nfsd >/dev/null 2>&1 || missing+=(nfs-ganesha)
dpkg -s nfs-ganesha-vfs >/dev/null 2>&1 || missing+=(nfs-ganesha-vfs)
command -v setfattr >/dev/null 2>&1 || missing+=(attr)
command -v nfs-ls >/dev/null 2>&1 || missing+=(libnfs-utils)
# The kernel-server delegation tests run knfsd in a user-mode Linux guest with the host's nfs-utils (KernelNfsServer).
[ -x /usr/bin/linux.uml ] || missing+=(user-mode-linux)
[ -x /usr/sbin/rpc.nfsd ] || missing+=(nfs-kernel-server)
[ -x /usr/sbin/insmod ] || missing+=(kmod)
# The Dokan tests build a C stand-in for dokan2 with the machine's C compiler.
command -v cc >/dev/null 2>&1 || missing+=(gcc)
dpkg -s libc6-dev >/dev/null 2>&1 || missing+=(libc6-dev)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "The tests need: ${missing[*]}. Install them with:" >&2
    echo "  sudo apt-get update && sudo apt-get install -y --no-install-recommends ${missing[*]}" >&2
    exit 2
  fi
  echo "Installing ${missing[*]} ..."
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
command -v dotnet >/dev/null 2>&1 || { echo "The .NET 10 SDK (dotnet) is required: https://dotnet.microsoft.com/download" >&2; exit 2; }

log=$(mktemp)
trap 'rm -f "$log"' EXIT
set +e
# --blame-hang-timeout: a hung test fails with a dump instead of eating CI's time.
dotnet test DokanNfs.sln -c Release --blame-hang-timeout 5m "$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e

# VSTest prints one summary line per test assembly: "Passed!  - Failed: 0, Passed: 12, Skipped: 0, ..."
read -r passed failed skipped < <(grep -E '^\s*(Passed|Failed)!' "$log" | sed -E 's/.*Failed: *([0-9]+), Passed: *([0-9]+), Skipped: *([0-9]+).*/\2 \1 \3/' \
  | awk '{p+=$1; f+=$2; s+=$3} END {print p+0, f+0, s+0}')
assemblies=$(grep -cE '^\s*(Passed|Failed)!' "$log" || true)
expected=$(ls tests/*/*.Tests.csproj | wc -l)
if [ "$status" -eq 0 ] && [ "$assemblies" -lt "$expected" ]; then
  echo "Only $assemblies of $expected test assemblies reported results." >&2
  status=1
fi
if [ "$skipped" -gt 0 ]; then
  echo "$skipped tests were skipped; no test may be skipped." >&2
  status=1
fi
if [ "$passed" -eq 0 ]; then
  echo "No test ran." >&2
  status=1
fi
echo "$passed passed, $failed failed"
exit "$status"
