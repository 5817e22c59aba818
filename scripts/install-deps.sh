#!/bin/sh
# Installs what Concord needs to build and test, from Debian 12's archive.
# Idempotent: packages already installed are skipped; nothing runs when all are present.
set -eu
PKGS="build-essential cmake ninja-build ccache pkg-config clang-14 libfuzzer-14-dev
libcaf-dev cppzmq-dev libzmq3-dev libcapnp-dev capnproto libtbb-dev
libgtest-dev libgmock-dev libbenchmark-dev nlohmann-json3-dev libcli11-dev libfmt-dev libssl-dev libcairo2-dev
prometheus-cpp-dev python3 python3-zmq libcurl4-openssl-dev"
missing=""
for p in $PKGS; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "install-deps: installing:$missing" >&2
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
