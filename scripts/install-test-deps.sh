#!/usr/bin/env bash
# Install the Debian packages the test suite needs, and only those that are missing.
# Safe to run repeatedly: when everything is present it touches nothing (no apt-get update).
#
# Usage: bash scripts/install-test-deps.sh
set -euo pipefail

# Packages the tests call as real programs. Add new ones here.
#   sqlite3  - the sqlite3 CLI, used by tests to inspect databases
#   bird2    - BIRD 2 (/usr/sbin/bird, birdc): BGP peer for the speaker interop tests
#   gobgpd   - GoBGP (/usr/bin/gobgpd, gobgp): BGP peer for the speaker interop tests
#   frr      - FRR (/usr/lib/frr/bgpd, vtysh): bgpd runs standalone (no zebra) as a BGP peer
#   exabgp   - ExaBGP (/usr/sbin/exabgp): BGP peer; runs with /usr/bin/python3
#   stayrtr  - StayRTR (/usr/bin/stayrtr): RPKI-to-Router cache for the RTR client tests
#   bgpdump  - bgpdump (/usr/bin/bgpdump): the MRT reference the reader's output is compared with
#   bzip2    - bzip2 (/usr/bin/bzip2): the MRT tests compress a fixture to check bzip2 input
#   lbzip2   - lbzip2 (/usr/bin/lbzip2): parallel bzip2; `mrt dump` decompresses with it in a child process
#   pigz     - pigz (/usr/bin/pigz): parallel gzip; likewise for gzip input
#   g++ make python3 - node-gyp's toolchain for the TCP MD5/GTSM addon (native/tcp-security), which
#              `npm install` builds; the MD5 and GTSM tests need it
PACKAGES=(
  sqlite3
  bird2
  gobgpd
  frr
  exabgp
  stayrtr
  bgpdump
  bzip2
  lbzip2
  pigz
  g++
  make
  python3
)

# Use sudo only when we are not root and sudo is available.
SUDO=()
if [[ "$(id -u)" -ne 0 ]]; then
  if command -v sudo >/dev/null 2>&1; then
    SUDO=(sudo)
  else
    echo "install-test-deps: not running as root and sudo is not available" >&2
  fi
fi

missing=()
for pkg in "${PACKAGES[@]}"; do
  if dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed'; then
    echo "install-test-deps: $pkg: present"
  else
    echo "install-test-deps: $pkg: installing"
    missing+=("$pkg")
  fi
done

if [[ ${#missing[@]} -eq 0 ]]; then
  exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
  echo "install-test-deps: apt-get not found; install these packages by hand: ${missing[*]}" >&2
  exit 1
fi

if ! "${SUDO[@]}" apt-get update; then
  echo "install-test-deps: 'apt-get update' failed; cannot install: ${missing[*]}" >&2
  exit 1
fi

if ! "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y --no-install-recommends "${missing[@]}"; then
  echo "install-test-deps: 'apt-get install' failed for: ${missing[*]}" >&2
  exit 1
fi

echo "install-test-deps: installed ${missing[*]}"
