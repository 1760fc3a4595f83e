#!/usr/bin/env bash
# Builds the Debian package of Vapor: target/debian/vapor_<version>-1_amd64.deb.
#
# A release build of vapor and vaporctl; then, in target/release/deb-staging, what the
# package ships beside them that is made rather than kept in the repository:
# vaporctl's shell completions and man page (help2man) and Swagger UI
# (packaging/fetch-swagger-ui.sh, from the npm registry); then cargo-deb, with
# [package.metadata.deb] of crates/vapor/Cargo.toml. Installs cargo-deb
# (crates.io) and help2man (Debian) when they are missing. Prints the .deb's path.
set -euo pipefail
cd "$(dirname "$0")/.."

cargo_deb_version=3.8.0
if ! cargo deb --version 2>/dev/null | grep -qF "$cargo_deb_version"; then
  echo "== installing cargo-deb $cargo_deb_version" >&2
  cargo install cargo-deb --version "$cargo_deb_version" --locked >&2
fi
if ! command -v help2man >/dev/null; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends help2man >/dev/null
fi

echo "== release build" >&2
cargo build --release --locked -p vapor -p vaporctl >&2
target=${CARGO_TARGET_DIR:-target}

staging=$target/release/deb-staging
rm -rf "$staging"
mkdir -p "$staging/completions"
ctl=$target/release/vaporctl
"$ctl" completions bash >"$staging/completions/vaporctl.bash"
"$ctl" completions zsh >"$staging/completions/_vaporctl"
"$ctl" completions fish >"$staging/completions/vaporctl.fish"
help2man --no-info --section 1 --name "command line for the Vapor virtualization API" \
  --output "$staging/vaporctl.1" "$ctl"
gzip -9n "$staging/vaporctl.1"
bash packaging/fetch-swagger-ui.sh "$staging/swagger-ui"

echo "== cargo deb" >&2
cargo deb -p vapor --no-build --output target/debian/ | tail -n 1
