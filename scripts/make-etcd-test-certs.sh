#!/bin/sh
# Creates the etcd TLS test fixtures: a CA of their own, a server certificate for 127.0.0.1 /
# localhost (etcd's client port) and a client certificate (mutual TLS), all signed by that CA,
# valid for 100 years. Test-only keys, separate from tests/fixtures/tls.
# Usage: scripts/make-etcd-test-certs.sh [out-dir]   (default: tests/fixtures/etcd-tls)
set -eu

out="${1:-$(dirname "$0")/../tests/fixtures/etcd-tls}"
days=36500
mkdir -p "$out"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

openssl ecparam -name prime256v1 -genkey -noout -out "$tmp/ca-key.pem"
openssl req -x509 -new -key "$tmp/ca-key.pem" -sha256 -days "$days" \
  -subj "/CN=queryable-state etcd test CA" \
  -addext "basicConstraints=critical,CA:TRUE" \
  -addext "keyUsage=critical,keyCertSign,cRLSign" \
  -out "$out/ca.pem"

# $1: name, $2: CN, $3: extendedKeyUsage
leaf() {
  openssl ecparam -name prime256v1 -genkey -noout | openssl pkcs8 -topk8 -nocrypt -out "$out/$1-key.pem"
  openssl req -new -key "$out/$1-key.pem" -subj "/CN=$2" -out "$tmp/$1.csr"
  printf 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=%s\nsubjectAltName=DNS:localhost,IP:127.0.0.1\n' "$3" > "$tmp/$1.ext"
  openssl x509 -req -in "$tmp/$1.csr" -CA "$out/ca.pem" -CAkey "$tmp/ca-key.pem" \
    -CAcreateserial -CAserial "$tmp/ca.srl" -sha256 -days "$days" -extfile "$tmp/$1.ext" -out "$out/$1.pem"
}
# etcd also uses its server certificate as a client towards itself (the gateway): both usages.
leaf server localhost serverAuth,clientAuth
leaf client qstate-client clientAuth

echo "wrote $out/ca.pem, server.pem, server-key.pem, client.pem, client-key.pem"
