#!/usr/bin/env bash
# Installs what Vapor needs, builds it, and serves the API on 127.0.0.1:8080
# against the local libvirtd (qemu:///system). The first run creates an admin
# token and stores it beside the database: /var/lib/vapor/vapor.token by default
# (readable by root only).
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-libvirt.sh
cargo build --release --locked -p vapor

config=${VAPOR_CONFIG:-/etc/vapor/vapor.conf}
if [ ! -f "$config" ]; then
  mkdir -p "$(dirname "$config")"
  cp vapor.conf.example "$config"
fi
export VAPOR_CONFIG=$config

db=${VAPOR_DATABASE_PATH:-$(sed -n 's/^path *= *//p' "$config" | head -n 1)}
db=${db:-/var/lib/vapor/vapor.db}
token_file=${db%.db}.token
mkdir -p "$(dirname "$db")"
if [ ! -s "$token_file" ]; then
  (umask 077; target/release/vapor token create "admin-$(date +%Y%m%d%H%M%S)" >"$token_file")
  echo "created an admin token in $token_file" >&2
fi
exec target/release/vapor serve
