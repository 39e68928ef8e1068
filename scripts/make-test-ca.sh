#!/usr/bin/env bash
# Makes a throwaway certificate authority and a server certificate signed by it, for running
# `hoist serve --tls-cert --tls-key` in tests and benchmarks. Never use these for anything real.
#
#   scripts/make-test-ca.sh DIR [IP ...]
#
# Writes DIR/ca.pem (trust this one: SSL_CERT_FILE, REQUESTS_CA_BUNDLE, NODE_EXTRA_CA_CERTS,
# curl --cacert), DIR/server.pem (the server's chain) and DIR/server.key. The server certificate
# is valid for localhost, 127.0.0.1 and every IP given. Needs the openssl command.
set -euo pipefail
dir=${1:?usage: make-test-ca.sh DIR [IP ...]}
shift
mkdir -p "$dir"
cd "$dir"
san="DNS:localhost,IP:127.0.0.1"
for ip in "$@"; do san+=",IP:$ip"; done

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 30 \
    -subj "/CN=Hoist test CA" -keyout ca.key -out ca.pem \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
    2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
    -subj "/CN=localhost" -keyout server.key -out server.csr 2>/dev/null
printf 'subjectAltName=%s\nbasicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n' \
    "$san" >server.ext
openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 30 \
    -extfile server.ext -out server.pem 2>/dev/null
rm -f server.csr server.ext ca.srl
chmod 600 ca.key server.key
