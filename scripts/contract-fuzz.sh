#!/usr/bin/env bash
# Contract fuzzing: Schemathesis generates requests from spec/vapor.yaml and
# sends them to a running `vapor` binary, which must answer every one of them
# as the spec says: never a 5xx, only documented status codes and content
# types, and bodies that match the documented schemas.
#
#   scripts/contract-fuzz.sh [mock|qemu|all]     (default: all)
#
# Runs target/debug/vapor (build it first: `cargo build -p vapor`), first on
# the in-memory mock backend, then on a real libvirtd at qemu:///system with
# fewer examples. Everything the qemu run creates in libvirt is removed
# afterwards (see sweep below). Environment:
#   CONTRACT_FUZZ_SEED       Hypothesis seed (default 20251126: runs repeat)
#   CONTRACT_FUZZ_EXAMPLES   examples per operation on the mock (default 50)
#   CONTRACT_FUZZ_QEMU_EXAMPLES  ... on qemu:///system (default 10)
#   CONTRACT_FUZZ_KEEP=1     keep the scratch folder (server log, report)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

SCHEMATHESIS_VERSION=4.32.5
SEED=${CONTRACT_FUZZ_SEED:-20251126}
MOCK_EXAMPLES=${CONTRACT_FUZZ_EXAMPLES:-50}
QEMU_EXAMPLES=${CONTRACT_FUZZ_QEMU_EXAMPLES:-10}
which=${1:-all}
vapor_bin=$root/target/debug/vapor
[ -x "$vapor_bin" ] || { echo "contract-fuzz: $vapor_bin is missing; run cargo build -p vapor" >&2; exit 1; }

# --- Schemathesis, pinned, in its own venv (like .codegen/venv for codegen).
venv=$root/.contract-fuzz/venv
if [ ! -x "$venv/bin/st" ] || [ ! -e "$venv/schemathesis-$SCHEMATHESIS_VERSION" ]; then
  if ! python3 -c 'import venv, ensurepip' 2>/dev/null; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq && apt-get install -y -qq --no-install-recommends python3-venv >/dev/null
  fi
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION"
  touch "$venv/schemathesis-$SCHEMATHESIS_VERSION"
fi

scratch=$(mktemp -d /tmp/vapor-contract-fuzz.XXXXXX)
server_pid=
before=
cleanup() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  # Interrupted during the qemu run: remove what it made all the same.
  if [ -n "$before" ]; then sweep "$before" || true; fi
  if [ "${CONTRACT_FUZZ_KEEP:-0}" = 1 ]; then echo "contract-fuzz: kept $scratch"; else rm -rf "$scratch"; fi
}
trap cleanup EXIT

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# Starts vapor on $1 (a libvirt URI) with its state under $scratch/$2; sets
# $server_pid, $port and $token.
start_vapor() {
  local uri=$1 dir=$scratch/$2
  mkdir -p "$dir"
  port=$(free_port)
  cat >"$dir/vapor.conf" <<EOF
[server]
host = 127.0.0.1
port = $port

[database]
path = $dir/state/vapor.db

[libvirt]
uri = $uri

[storage]
iso_dir = $dir/isos
iso_pool =
upload_dir = $dir/uploads
seed_dir = $dir/seeds
backup_dir = $dir/backups
max_chunk_bytes = 8388608
EOF
  token=$("$vapor_bin" token create contract-fuzz --config "$dir/vapor.conf")
  "$vapor_bin" serve --config "$dir/vapor.conf" >"$dir/server.log" 2>&1 &
  server_pid=$!
  for _ in $(seq 300); do
    grep -q "vapor is serving" "$dir/server.log" && return 0
    kill -0 "$server_pid" 2>/dev/null || break
    sleep 0.1
  done
  cat "$dir/server.log" >&2
  echo "contract-fuzz: vapor did not start" >&2
  return 1
}

stop_vapor() {
  kill "$server_pid" 2>/dev/null || true
  wait "$server_pid" 2>/dev/null || true
  server_pid=
}

# Operations left out everywhere, and why:
# - vm_console_connect: a WebSocket upgrade; a plain HTTP request to it is
#   refused by design, and the proxied stream behind it is not HTTP at all
#   (the conformance suite's console tests cover it).
# - events_stream, vm_metrics_stream: Server-Sent Events streams that never
#   end; Schemathesis reads whole bodies, so every request would only end in
#   its timeout. Their frames are covered by the conformance suite.
EXCLUDED=(vm_console_connect events_stream vm_metrics_stream)
# Left out on qemu:///system only, because there they reach beyond the
# objects this run creates: pool_create (directories anywhere on the host,
# mounts of random devices and NFS servers), network_create (bridges and
# firewall rules on the host, address ranges that may shadow its own),
# pci_device_attach (takes a host PCI device from its driver) and
# migration_start (connects to the URI it is given). The mock covers them.
QEMU_EXCLUDED=(pool_create network_create pci_device_attach migration_start)

# Every 5xx fails the run, 501 NOT_IMPLEMENTED included: every operation of
# the spec is built, and one that a host cannot do answers 422 UNSUPPORTED.
cat >"$scratch/schemathesis.toml" <<'EOF_TOML'
[checks.not_a_server_error]
expected-statuses = ["1XX", "2XX", "3XX", "4XX"]
EOF_TOML

# Hooks: upload chunks (application/offset+octet-stream) are sent as raw
# bytes. On qemu:///system, requests that name an object that existed
# before the run (in a path, or a VM's name in a body) are never sent:
# fuzzing must not stop, change or delete the host's own VMs, pools,
# volumes or networks ($CONTRACT_FUZZ_PROTECTED lists them).
cat >"$scratch/contract_fuzz_hooks.py" <<'EOF_PY'
import os

import schemathesis

schemathesis.serializer.alias("application/offset+octet-stream", "application/octet-stream")

def _names(kind):
    path = os.environ.get("CONTRACT_FUZZ_PROTECTED")
    if not path:
        return set()
    with open(path) as f:
        rows = [line.split() for line in f]
    return {row[-1] for row in rows if row and (kind is None or row[0] == kind)}

ANY = _names(None)
DOMAINS = _names("domain")

def _mentions(value, names):
    if isinstance(value, str):
        return value in names
    if isinstance(value, dict):
        return any(_mentions(k, names) or _mentions(v, names) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return any(_mentions(v, names) for v in value)
    return False

@schemathesis.hook
def filter_path_parameters(context, path_parameters):
    return not _mentions(path_parameters or {}, ANY)

@schemathesis.hook
def filter_body(context, body):
    return not _mentions(body, DOMAINS)
EOF_PY

run_schemathesis() {
  local name=$1 examples=$2; shift 2
  local args=(--config-file "$scratch/schemathesis.toml" run "$root/spec/vapor.yaml"
    --url "http://127.0.0.1:$port/api/v1"
    --header "Authorization: Bearer $token"
    --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance
    --seed "$SEED" --max-examples "$examples"
    --generation-database none
    --workers 1 --request-timeout 30
    --no-color --output-truncate true
    --report junit --report-junit-path "$scratch/$name-junit.xml")
  for op in "${EXCLUDED[@]}"; do args+=(--exclude-operation-id "$op"); done
  echo "== contract fuzz on $name: seed $SEED, $examples examples per operation"
  (cd "$scratch" && SCHEMATHESIS_HOOKS=contract_fuzz_hooks PYTHONPATH="$scratch" \
    "$venv/bin/st" "${args[@]}" "$@")
}

status=0

if [ "$which" = all ] || [ "$which" = mock ]; then
  start_vapor mock:///default mock
  SECONDS=0
  run_schemathesis mock "$MOCK_EXAMPLES" || status=1
  echo "contract fuzz on mock: ${SECONDS}s"
  stop_vapor
  [ $status = 0 ] || tail -n 50 "$scratch/mock/server.log" >&2
fi

# --- qemu:///system: real objects; everything new is removed afterwards.
# Names Schemathesis makes up are random, so the sweep compares libvirt's
# lists before and after the run and removes what is new. Objects that
# existed before are never touched. Nothing else may create objects in
# this libvirtd while the script runs (scripts/test.sh runs it alone).
virsh_q() { virsh -q -c qemu:///system "$@" 2>/dev/null || true; }
inventory() {
  {
    virsh_q list --all --name | sed '/^$/d; s/^/domain /'
    virsh_q net-list --all --name | sed '/^$/d; s/^/network /'
    local pool
    for pool in $(virsh_q pool-list --all --name); do
      echo "pool $pool"
      virsh_q vol-list "$pool" | awk -v p="$pool" 'NF {print "volume " p " " $1}'
    done
  } | sort
}
sweep() {
  local before=$1 after kind a b
  after=$(mktemp)
  inventory >"$after"
  # Domains first (they hold volumes), then volumes, pools, networks.
  comm -13 "$before" "$after" | while read -r kind a b; do
    [ "$kind" = domain ] || continue
    echo "sweep: domain $a"
    virsh_q destroy "$a" >/dev/null
    virsh_q undefine "$a" --nvram --snapshots-metadata --checkpoints-metadata --managed-save >/dev/null
  done
  comm -13 "$before" "$after" | while read -r kind a b; do
    [ "$kind" = volume ] || continue
    grep -qx "pool $a" "$before" || continue # the pool itself goes below
    echo "sweep: volume $b in pool $a"
    virsh_q vol-delete "$b" --pool "$a" >/dev/null
  done
  comm -13 "$before" "$after" | while read -r kind a b; do
    [ "$kind" = pool ] || continue
    echo "sweep: pool $a"
    virsh_q pool-destroy "$a" >/dev/null
    virsh_q pool-undefine "$a" >/dev/null
  done
  comm -13 "$before" "$after" | while read -r kind a b; do
    [ "$kind" = network ] || continue
    echo "sweep: network $a"
    virsh_q net-destroy "$a" >/dev/null
    virsh_q net-undefine "$a" >/dev/null
  done
  # Everything must be gone now.
  inventory >"$after"
  if comm -13 "$before" "$after" | grep .; then
    echo "contract-fuzz: the objects above are left in qemu:///system" >&2
    status=1
  fi
  rm -f "$after"
}

if [ "$which" = all ] || [ "$which" = qemu ]; then
  before=$scratch/inventory-before
  inventory >"$before"
  start_vapor qemu:///system qemu
  SECONDS=0
  # No stateful phase here: it feeds names from list replies into deletes.
  qemu_args=(--phases coverage,fuzzing)
  for op in "${QEMU_EXCLUDED[@]}"; do qemu_args+=(--exclude-operation-id "$op"); done
  CONTRACT_FUZZ_PROTECTED=$before run_schemathesis qemu "$QEMU_EXAMPLES" "${qemu_args[@]}" || status=1
  echo "contract fuzz on qemu:///system: ${SECONDS}s"
  stop_vapor
  [ $status = 0 ] || tail -n 50 "$scratch/qemu/server.log" >&2
  sweep "$before"
  before=
fi

exit $status
