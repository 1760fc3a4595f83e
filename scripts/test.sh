#!/usr/bin/env bash
# Runs every test: installs and starts libvirt, builds once, then runs the unit
# tests, the codegen drift check, and the HTTP conformance suite three times:
# on the in-memory mock, on libvirt's test:///default driver, and on a real
# libvirtd at qemu:///system.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-libvirt.sh
# The console page is tested in a headless browser.
if ! dpkg-query -W -f='${Status}' chromium 2>/dev/null | grep -q "install ok installed"; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends chromium >/dev/null
fi
export VAPOR_TEST_REQUIRE_BROWSER=1
# The guest OS the guest tests boot on qemu:///system, built from Debian
# packages (cached in /var/cache/vapor/test-guest).
VAPOR_TEST_GUEST_IMAGE=$(bash scripts/build-test-guest.sh | tail -n 1)
export VAPOR_TEST_GUEST_IMAGE

export CARGO_TERM_COLOR=never
cargo build --workspace --all-targets --locked

echo "== unit tests, codegen drift, conformance on the mock backend"
cargo test --workspace --locked

echo "== conformance on libvirt test:///default"
VAPOR_TEST_BACKEND=test:///default cargo test --locked -p vapor-conformance -p vapor -p vaporctl

echo "== conformance on libvirt qemu:///system"
VAPOR_TEST_BACKEND=qemu:///system cargo test --locked -p vapor-conformance -p vapor -p vaporctl

echo "== contract fuzzing: Schemathesis on the mock and qemu:///system (scripts/contract-fuzz.sh)"
bash scripts/contract-fuzz.sh

echo "== coverage-guided fuzzing, short run: every libFuzzer target for 10 s (cargo xtask fuzz)"
cargo xtask fuzz --seconds 10

echo "== live migration between two private libvirt hosts (scripts/two-hosts.sh)"
trap 'bash scripts/two-hosts.sh down' EXIT
bash scripts/two-hosts.sh up
VAPOR_TEST_TWO_HOSTS=1 cargo test --locked -p vapor-conformance -p vapor-libvirt -p vapor --test suite --test libvirt --test server two_hosts

echo "== benchmark, short mode (reports numbers; fails only on a wrong or failed request)"
cargo xtask bench --short

echo "== soak: 60 s at 64 connections on list/get (cargo xtask soak)"
cargo xtask soak

echo "== Debian package of the debug binaries: build, install, serve, purge (scripts/package.sh, scripts/test-package.sh)"
bash scripts/test-package.sh "$(bash scripts/package.sh --debug | tail -n 1)"
