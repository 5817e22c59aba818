#!/usr/bin/env bash
# `cpack -G DEB` builds the Debian package, and `dpkg-deb --contents` lists what it must hold: the
# binary, the libraries, headers and CMake package, the systemd unit, the --help texts; its
# dependencies come from dpkg-shlibdeps; the packaged binary runs. Exit 77 without cpack/dpkg-deb.
# Usage: deb_package_test.sh BUILD_DIR
set -euo pipefail
build="$1"
fail() { echo "FAIL: $*" >&2; exit 1; }
if ! command -v cpack >/dev/null || ! command -v dpkg-deb >/dev/null; then echo "SKIP: cpack or dpkg-deb missing"; exit 77; fi
work=$(mktemp -d /tmp/concord-deb-test.XXXXXX)
trap 'rm -rf "$work"' EXIT
(cd "$build" && nice cpack -G DEB -B "$work" >"$work/cpack.log" 2>&1) || fail "cpack: $(tail -n 20 "$work/cpack.log")"
deb=$(find "$work" -maxdepth 1 -name 'concord_*_amd64.deb' | head -n 1)
[[ -n "$deb" ]] || fail "no concord_*_amd64.deb in $work: $(ls "$work")"
dpkg-deb --contents "$deb" | awk '{print $6}' >"$work/contents.txt"
for f in ./usr/bin/concord ./usr/lib/systemd/system/concord-node@.service ./usr/include/concord/concord.hpp \
         ./usr/include/concord/core/model/workflow.hpp ./usr/lib/libconcord_core.a ./usr/lib/libconcord_actors.a \
         ./usr/lib/libconcord_embed.a ./usr/lib/cmake/Concord/ConcordConfig.cmake ./usr/share/doc/concord/concord-help.txt \
         ./usr/share/doc/concord/node.ini.example; do
  grep -qxF "$f" "$work/contents.txt" || fail "the package lacks $f"
done
dpkg-deb -f "$deb" Package Version Depends >"$work/control.txt"
cat "$work/control.txt"
grep -q "^Package: concord$" "$work/control.txt" || fail "Package is not concord"
grep -q "^Depends: .*libcaf-core0.17" "$work/control.txt" || fail "Depends lacks libcaf-core0.17 (dpkg-shlibdeps)"
mkdir "$work/root"
dpkg-deb -x "$deb" "$work/root"
# Into a file first: `| grep -q` would exit at the first match and, under pipefail, a help text longer
# than one write would end concord with SIGPIPE (seen once --help passed 4 KiB).
"$work/root/usr/bin/concord" node --help >"$work/node-help.txt" || fail "the packaged concord does not run"
grep -q -- "--tls-cert" "$work/node-help.txt" || fail "the packaged concord's node --help lacks --tls-cert"
help="$work/root/usr/share/doc/concord/concord-help.txt"
for cmd in run node bench workload; do grep -q "^== concord $cmd --help" "$help" || fail "concord-help.txt lacks concord $cmd --help"; done
! grep -q "_CPack_Packages" "$help" || fail "concord-help.txt names the staging folder"
echo "PASS: $(basename "$deb"): $(wc -l <"$work/contents.txt") entries"
