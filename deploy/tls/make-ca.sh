#!/usr/bin/env bash
# deploy/tls/make-ca.sh -- a private CA for one Concord cluster, and certificates signed by it.
#
#   deploy/tls/make-ca.sh DIR NAME...     # DIR/ca.pem (+ ca.key, made once), DIR/NAME.pem + DIR/NAME.key per NAME
#   concord node --name a ... --tls-cert DIR/a.pem --tls-key DIR/a.key --tls-ca DIR/ca.pem
#
# Every node, and every `concord run --join` client, needs a certificate signed by the cluster's
# CA; CAF checks no host name, so the CA must be the cluster's own (never a public one). Keys are
# EC P-256, unencrypted (mode 600); certificates are valid for --days (default 825).
# Exit codes: 0 ok; 2 bad input; 1 openssl failed.
set -euo pipefail
usage() { sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'; }
days=825
args=()
while (($#)); do
  case "$1" in
    -h|--help) usage; exit 0 ;;
    --days) days="${2:?--days needs a number}"; shift ;;
    *) args+=("$1") ;;
  esac
  shift
done
((${#args[@]} >= 2)) || { echo "make-ca.sh: error: expected DIR and at least one NAME (see --help)" >&2; exit 2; }
if ! [[ "$days" =~ ^[0-9]+$ ]] || ((days < 1)); then
  echo "make-ca.sh: error: --days \"$days\": expected a positive integer" >&2
  exit 2
fi
command -v openssl >/dev/null || { echo "make-ca.sh: error: the openssl tool is not installed" >&2; exit 1; }
dir="${args[0]}"
mkdir -p "$dir"
umask 077
if [[ ! -f "$dir/ca.pem" ]]; then
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days "$days" \
    -keyout "$dir/ca.key" -out "$dir/ca.pem" -subj "/CN=Concord cluster CA" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
  echo "make-ca.sh: CA $dir/ca.pem"
fi
for name in "${args[@]:1}"; do
  [[ "$name" =~ ^[A-Za-z0-9._-]+$ ]] || { echo "make-ca.sh: error: NAME \"$name\": use letters, digits, . _ -" >&2; exit 2; }
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$dir/$name.key" \
    -out "$dir/$name.csr" -subj "/CN=$name" 2>/dev/null
  openssl x509 -req -in "$dir/$name.csr" -CA "$dir/ca.pem" -CAkey "$dir/ca.key" -CAcreateserial -days "$days" \
    -out "$dir/$name.pem" -extfile <(printf 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth,clientAuth\n') 2>/dev/null
  rm -f "$dir/$name.csr"
  echo "make-ca.sh: $name: $dir/$name.pem, $dir/$name.key"
done
