#!/bin/sh
# A self-signed development certificate for the compose nginx (deploy/tls/), valid for
# localhost and 127.0.0.1 for 30 days. Never for production: use the public host's certificate.
#
#   deploy/dev-cert.sh [host name [directory]]   then: COMPLAINT_HUB_PUBLIC_URL=https://localhost
set -eu
host="${1:-localhost}"
names="DNS:$host"
[ "$host" = localhost ] || names="$names,DNS:localhost"
dir="${2:-$(dirname "$0")/tls}"
mkdir -p "$dir"
umask 077
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 \
    -subj "/CN=$host" \
    -addext "subjectAltName=$names,IP:127.0.0.1" \
    -addext "extendedKeyUsage=serverAuth" \
    -keyout "$dir/privkey.pem" -out "$dir/fullchain.pem" 2>/dev/null
echo "wrote $dir/fullchain.pem and $dir/privkey.pem for $host"
