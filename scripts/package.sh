#!/usr/bin/env bash
# Builds the Debian package of Vapor: target/debian/vapor_<version>-1_amd64.deb.
#
# A release build of vapor and vaporctl; then, in target/release/deb-staging, what the
# package ships beside them that is made rather than kept in the repository:
# vaporctl's shell completions and man page (help2man) and Swagger UI
# (packaging/fetch-swagger-ui.sh, from the npm registry); then cargo-deb, with
# [package.metadata.deb] of crates/vapor/Cargo.toml. Installs cargo-deb
# (crates.io) and help2man (Debian) when they are missing. Prints the .deb's path.
#
# --debug packages the debug binaries a `cargo build` made instead (staging in
# target/debug/deb-staging, cargo-deb's --profile dev): the same package, made
# in seconds rather than minutes, for the package test in scripts/test.sh.
set -euo pipefail
cd "$(dirname "$0")/.."

profile=release
case "${1:-}" in
  --debug) profile=debug ;;
  "") ;;
  *) echo "usage: scripts/package.sh [--debug]" >&2; exit 2 ;;
esac

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

target=${CARGO_TARGET_DIR:-target}
if [ "$profile" = release ]; then
  echo "== release build" >&2
  cargo build --release --locked -p vapor -p vaporctl >&2
  deb_profile=release
else
  echo "== debug build (reused when up to date)" >&2
  cargo build --locked -p vapor -p vaporctl >&2
  deb_profile=dev
fi

staging=$target/$profile/deb-staging
rm -rf "$staging"
mkdir -p "$staging/completions"
ctl=$target/$profile/vaporctl
"$ctl" completions bash >"$staging/completions/vaporctl.bash"
"$ctl" completions zsh >"$staging/completions/_vaporctl"
"$ctl" completions fish >"$staging/completions/vaporctl.fish"
help2man --no-info --section 1 --name "command line for the Vapor virtualization API" \
  --output "$staging/vaporctl.1" "$ctl"
gzip -9n "$staging/vaporctl.1"
bash packaging/fetch-swagger-ui.sh "$staging/swagger-ui"

echo "== cargo deb" >&2
# cargo-deb reads the assets' target/release/ paths from the profile's own directory.
cargo deb -p vapor --no-build --profile "$deb_profile" --output target/debian/ | tail -n 1
