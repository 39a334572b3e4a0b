#!/bin/sh
# Creates the TLS test fixtures: a self-signed CA and a server certificate for
# localhost / 127.0.0.1 / ::1 signed by it, valid for 100 years. Test-only keys.
# Usage: scripts/make-test-cert.sh [out-dir]   (default: tests/fixtures/tls)
set -eu

out="${1:-$(dirname "$0")/../tests/fixtures/tls}"
days=36500
mkdir -p "$out"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

# CA: EC P-256 keeps the fixtures small and is accepted by OpenSSL (Node, Bun) and rustls (Deno).
openssl ecparam -name prime256v1 -genkey -noout -out "$tmp/ca-key.pem"
openssl req -x509 -new -key "$tmp/ca-key.pem" -sha256 -days "$days" \
  -subj "/CN=queryable-state test CA" \
  -addext "basicConstraints=critical,CA:TRUE" \
  -addext "keyUsage=critical,keyCertSign,cRLSign" \
  -out "$out/ca.pem"

# Server key in PKCS#8 (the format every runtime accepts) and a CSR.
openssl ecparam -name prime256v1 -genkey -noout | openssl pkcs8 -topk8 -nocrypt -out "$out/server-key.pem"
openssl req -new -key "$out/server-key.pem" -subj "/CN=localhost" -out "$tmp/server.csr"

cat > "$tmp/server.ext" <<EXT
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=serverAuth
subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1
EXT

openssl x509 -req -in "$tmp/server.csr" -CA "$out/ca.pem" -CAkey "$tmp/ca-key.pem" \
  -CAcreateserial -CAserial "$tmp/ca.srl" -sha256 -days "$days" \
  -extfile "$tmp/server.ext" -out "$out/server.pem"

echo "wrote $out/ca.pem, $out/server.pem, $out/server-key.pem"
