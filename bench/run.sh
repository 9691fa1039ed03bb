#!/usr/bin/env bash
# DokanNfs and libnfs side by side on an NFS-Ganesha that the harness starts itself on 127.0.0.1 (issue 9).
#
#   bash bench/run.sh            # issue 9's sizes, 5 runs each: several minutes
#   bash bench/run.sh --quick    # small sizes, 3 runs: a smoke run
#   bash bench/run.sh --only read,stat --runs 7 --out /tmp/result.md
#
# The Markdown report goes to stdout (and to --out FILE), progress to stderr. Installs the Debian packages it
# needs when they are missing (as root), builds bench/libnfs/libnfs_bench.c and the harness, then runs it.
# Nothing here asserts a time: it measures and reports.
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
command -v ganesha.nfsd >/dev/null 2>&1 || missing+=(nfs-ganesha)
dpkg -s nfs-ganesha-vfs >/dev/null 2>&1 || missing+=(nfs-ganesha-vfs)
command -v nfs-cat >/dev/null 2>&1 || missing+=(libnfs-utils)
[ -f /usr/include/nfsc/libnfs.h ] || missing+=(libnfs-dev)
command -v cc >/dev/null 2>&1 || missing+=(gcc)
dpkg -s libc6-dev >/dev/null 2>&1 || missing+=(libc6-dev)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "The benchmarks need: ${missing[*]}. Install them with:" >&2
    echo "  sudo apt-get update && sudo apt-get install -y --no-install-recommends ${missing[*]}" >&2
    exit 2
  fi
  echo "Installing ${missing[*]} ..." >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
command -v dotnet >/dev/null 2>&1 || { echo "The .NET 10 SDK (dotnet) is required: https://dotnet.microsoft.com/download" >&2; exit 2; }

build=$(mktemp -d)
trap 'rm -rf "$build"' EXIT
cc -O2 -Wall -Wextra -Werror -o "$build/libnfs-bench" bench/libnfs/libnfs_bench.c -lnfs
dotnet build bench/DokanNfs.SideBySide -c Release --nologo -v q >&2
dotnet bench/DokanNfs.SideBySide/bin/Release/net10.0/DokanNfs.SideBySide.dll --libnfs-bench "$build/libnfs-bench" "$@"
