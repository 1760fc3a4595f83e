#!/usr/bin/env bash
# Installs Swagger UI, which the API reference page (GET /api/v1/docs) loads,
# into DEST (default /usr/local/share/vapor/swagger-ui, the default of
# [docs] assets_dir). Swagger UI is not in Debian, and we commit no third-party
# code: this takes the pinned release of swagger-ui-dist from the npm registry
# with npm itself (`npm pack`: no dependencies, no install scripts), checks it
# against the pinned checksum, and copies only the files the page uses, with
# the licence. Idempotent: does nothing when DEST already holds this version.
#
#   packaging/fetch-swagger-ui.sh [DEST]
set -euo pipefail

version=5.35.0
integrity=sha512-U06rpMtW9V3XPGOBeamTUSr0Z09jMX4IJuANpE/EZbAhw0G8CgwrzU4YmXkn/h0wCDNsXdGarTNNHC3sU8yVUQ==
files=(swagger-ui-bundle.js swagger-ui.css swagger-ui.css.map favicon-32x32.png favicon-16x16.png
       LICENSE NOTICE)

dest=${1:-/usr/local/share/vapor/swagger-ui}
if [ "$(cat "$dest/VERSION" 2>/dev/null)" = "$version" ]; then
  exit 0
fi
if ! command -v npm >/dev/null; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends npm >/dev/null
fi

work=$(mktemp -d)
staged=""
trap 'rm -rf "$work" ${staged:+"$staged"}' EXIT
(cd "$work" && npm pack --silent "swagger-ui-dist@$version" >/dev/null)
tarball=$work/swagger-ui-dist-$version.tgz
got="sha512-$(openssl dgst -sha512 -binary "$tarball" | base64 -w0)"
if [ "$got" != "$integrity" ]; then
  echo "swagger-ui-dist $version: checksum $got, expected $integrity" >&2
  exit 1
fi
tar -xzf "$tarball" -C "$work"

# Replace DEST as a whole, so that no file of another version stays behind.
mkdir -p "$(dirname "$dest")"
staged=$(mktemp -d "$(dirname "$dest")/.swagger-ui.XXXXXX")
for f in "${files[@]}"; do
  install -m 0644 "$work/package/$f" "$staged/$f"
done
echo "$version" >"$staged/VERSION"
chmod 0755 "$staged"
rm -rf "$dest"
mv "$staged" "$dest"
staged=""
echo "installed Swagger UI $version in $dest" >&2
