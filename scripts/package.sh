#!/usr/bin/env bash
# Builds the Debian package of Vapor: target/debian/vapor_<version>-1_amd64.deb.
#
# A release build of vapor and vaporctl; then, in target/release/deb-staging, what the
# package ships beside them that is made rather than kept in the repository:
# vaporctl's man pages (one per command: vaporctl.1, vaporctl-vm-create.1, ...,
# gzipped) and shell completions, which vaporctl's build script writes into its
# OUT_DIR (crates/vaporctl/build.rs; found in cargo's build messages); then
# cargo-deb, with [package.metadata.deb] of crates/vapor/Cargo.toml. Installs
# cargo-deb (crates.io) when it is missing. Prints the .deb's path.
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
# Swagger UI, which vapor's build script embeds in the binary (from the
# npm registry; does nothing when the pinned release is already there).
bash packaging/fetch-swagger-ui.sh /usr/local/share/vapor/swagger-ui
target=${CARGO_TARGET_DIR:-target}
messages=$(mktemp)
trap 'rm -f "$messages"' EXIT
if [ "$profile" = release ]; then
  echo "== release build" >&2
  cargo build --release --locked -p vapor -p vaporctl \
    --message-format=json-render-diagnostics >"$messages"
  deb_profile=release
else
  echo "== debug build (reused when up to date)" >&2
  cargo build --locked -p vapor -p vaporctl \
    --message-format=json-render-diagnostics >"$messages"
  deb_profile=dev
fi
# vaporctl's build script reports its OUT_DIR (also when the build was up to date).
ctl_out=$(grep '"reason":"build-script-executed"' "$messages" | grep -F '/crates/vaporctl#' \
  | sed -n 's/.*"out_dir":"\([^"]*\)".*/\1/p' | tail -n 1)
if [ -z "$ctl_out" ] || [ ! -s "$ctl_out/man/vaporctl.1" ]; then
  echo "vaporctl's build script wrote no man pages (OUT_DIR '$ctl_out')" >&2
  exit 1
fi

staging=$target/$profile/deb-staging
rm -rf "$staging"
mkdir -p "$staging/completions" "$staging/man"
cp "$ctl_out"/completions/vaporctl.bash "$ctl_out"/completions/_vaporctl \
  "$ctl_out"/completions/vaporctl.fish "$staging/completions/"
cp "$ctl_out"/man/*.1 "$staging/man/"
gzip -9n "$staging"/man/*.1

echo "== cargo deb" >&2
# cargo-deb reads the assets' target/release/ paths from the profile's own directory.
cargo deb -p vapor --no-build --profile "$deb_profile" --output target/debian/ | tail -n 1
