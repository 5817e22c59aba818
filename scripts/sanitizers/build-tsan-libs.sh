#!/bin/sh
# Builds ThreadSanitizer-instrumented copies of the two Debian libraries Concord's threads meet
# inside: CAF 0.17.6 (libcaf_core, libcaf_io) and oneTBB 2021.8 (libtbb), from Debian's own
# source tarballs (same versions, same sonames), into DEST (default build-tsan/tsan-libs).
#   scripts/sanitizers/build-tsan-libs.sh [DEST]
# scripts/test.sh --sanitize thread runs it once and puts DEST first on LD_LIBRARY_PATH, so the
# test binaries (linked against Debian's packages) load the instrumented copies: TSan then sees
# the synchronisation inside CAF's mailboxes and TBB's task queues and checks Concord's actors
# and rollouts instead of being told to ignore them (docs/sanitizers.md).
# Needs: curl, cmake, ninja, g++ (scripts/install-deps.sh). About 10 min on 2 cores.
set -eu
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
DEST="${1:-$ROOT/build-tsan/tsan-libs}"
WORK="${TSAN_LIBS_WORK:-$(dirname "$DEST")/tsan-libs-src}"
POOL="http://deb.debian.org/debian/pool/main"
CAF_TGZ="actor-framework_0.17.6.orig.tar.gz"
CAF_SHA="e2bf5bd243f08bb7d8adde197cfe3e6d71314ed3378fe0692f8932f4c3b3928c"
TBB_TXZ="onetbb_2021.8.0.orig.tar.xz"
TBB_SHA="7e9111b8bb59c8800bf6d0b06afe7b0891937443d2dae1ee1101c8e2ede6a7ef"

command -v curl >/dev/null 2>&1 || { echo "tsan-libs: needs curl (apt-get install curl)" >&2; exit 2; }
if [ -f "$DEST/.complete" ]; then
  echo "tsan-libs: $DEST is up to date"
  exit 0
fi
mkdir -p "$WORK" "$DEST"
fetch() {  # fetch FILE URL SHA256
  if [ ! -f "$WORK/$1" ] || ! echo "$3  $WORK/$1" | sha256sum -c - >/dev/null 2>&1; then
    curl -fsSL -o "$WORK/$1" "$2"
  fi
  echo "$3  $WORK/$1" | sha256sum -c - >/dev/null || { echo "tsan-libs: $1: checksum mismatch" >&2; exit 1; }
}
fetch "$CAF_TGZ" "$POOL/a/actor-framework/$CAF_TGZ" "$CAF_SHA"
fetch "$TBB_TXZ" "$POOL/o/onetbb/$TBB_TXZ" "$TBB_SHA"

LAUNCHER=""
command -v ccache >/dev/null 2>&1 && LAUNCHER="-DCMAKE_CXX_COMPILER_LAUNCHER=ccache"

# CAF: Debian's build configuration (build_config.hpp: log level QUIET, exceptions and memory
# management on), core and io only. Debian patches a missing <limits> include for GCC 12.
rm -rf "$WORK/caf" && mkdir -p "$WORK/caf" && tar xzf "$WORK/$CAF_TGZ" -C "$WORK/caf" --strip-components=1
sed -i '0,/#include <cstddef>/s//#include <cstddef>\n#include <limits>/' "$WORK/caf/libcaf_io/caf/io/network/receive_buffer.hpp"
# shellcheck disable=SC2086
cmake -S "$WORK/caf" -B "$WORK/caf-build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo $LAUNCHER \
  -DCAF_NO_EXAMPLES=yes -DCAF_NO_UNIT_TESTS=yes -DCAF_NO_OPENSSL=yes -DCAF_NO_TOOLS=yes -DCAF_NO_PYTHON=yes \
  -DCAF_NO_OPENCL=yes -DCAF_NO_SUMMARY=yes -DCAF_LOG_LEVEL=QUIET \
  -DCMAKE_CXX_FLAGS="-fsanitize=thread" -DCMAKE_SHARED_LINKER_FLAGS="-fsanitize=thread" >/dev/null
cmake --build "$WORK/caf-build" -j "$(nproc)"
cp "$WORK/caf-build/lib/libcaf_core.so.0.17.6" "$WORK/caf-build/lib/libcaf_io.so.0.17.6" "$DEST/"

# oneTBB: its own TSan option; TBB_STRICT off (GCC warns that TSan ignores atomic_thread_fence).
rm -rf "$WORK/tbb" && mkdir -p "$WORK/tbb" && tar xJf "$WORK/$TBB_TXZ" -C "$WORK/tbb" --strip-components=1
# shellcheck disable=SC2086
cmake -S "$WORK/tbb" -B "$WORK/tbb-build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo $LAUNCHER \
  -DTBB_TEST=OFF -DTBB_EXAMPLES=OFF -DTBBMALLOC_BUILD=OFF -DTBB_STRICT=OFF -DTBB_SANITIZE=thread >/dev/null
cmake --build "$WORK/tbb-build" -j "$(nproc)" --target tbb
cp "$(find "$WORK/tbb-build" -name 'libtbb.so.12.*' -type f | head -1)" "$DEST/libtbb.so.12"
touch "$DEST/.complete"
echo "tsan-libs: instrumented libcaf_core, libcaf_io, libtbb in $DEST"
