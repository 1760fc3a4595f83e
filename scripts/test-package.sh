#!/usr/bin/env bash
# Tests the Debian package on this machine, and leaves the machine as it was:
#
# 1. installs the .deb (dpkg -i; the newest target/debian/vapor_*.deb, or $1);
# 2. checks what it installed: binaries, unit, conffile, man pages,
#    completions (Swagger UI is embedded in the binary);
# 3. runs the unit's ExecStart line as systemd would, with the unit's
#    Environment= and a stand-in for its sandbox (there is no systemd here):
#    a private mount namespace where everything is read-only except the
#    unit's ReadWritePaths, a private /tmp, and no new privileges. The service
#    keeps its state in a directory of its own under /var/lib/vapor and
#    listens on a free port (VAPOR_* variables, which override the packaged
#    /etc/vapor/vapor.conf), against qemu:///system like the packaged config;
# 4. creates a token (vapor token create) and a VM with vaporctl, lists and
#    deletes it, and loads the API reference page and Swagger UI, with
#    [docs] assets_dir set to an empty directory: they answer 200 from the
#    copy embedded in the binary (reply header vapor-docs-assets: embedded);
# 5. stops the service and purges the package (dpkg -P), then checks that
#    nothing it installed is left. A /etc/vapor/vapor.conf that was there
#    before (scripts/serve.sh writes one) is put aside and restored.
#
# Needs root and a running libvirtd (scripts/install-libvirt.sh); builds the
# package with scripts/package.sh when there is none.
set -euo pipefail
cd "$(dirname "$0")/.."

deb=${1:-}
if [ -z "$deb" ]; then
  deb=$(ls -t target/debian/vapor_*.deb 2>/dev/null | head -n 1 || true)
  [ -n "$deb" ] || deb=$(bash scripts/package.sh | tail -n 1)
fi
deb=$(realpath "$deb")
if dpkg-query -W -f='${Status}' vapor 2>/dev/null | grep -q "install ok installed"; then
  echo "the vapor package is installed already: not testing over it" >&2
  exit 1
fi

# What the package may touch, before: compared at the end.
snapshot() {
  { find /etc/vapor /usr/share/vapor /usr/share/doc/vapor /etc/systemd/system \
       /var/lib/systemd/deb-systemd-helper-enabled /var/lib/systemd/deb-systemd-helper-masked \
       /lib/systemd/system/vapor.service /usr/lib/systemd/system/vapor.service \
       /usr/bin/vapor /usr/bin/vaporctl /var/lib/vapor -maxdepth 2 2>/dev/null || true; } | sort
}
before=$(snapshot)

aside=$(mktemp -d)
had_var_lib_vapor=no
[ -d /var/lib/vapor ] && had_var_lib_vapor=yes
state=""
pid=""
cleanup() {
  set +e
  [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
  if dpkg-query -W -f='${Status}' vapor 2>/dev/null | grep -q "installed\|config-files\|half"; then
    dpkg -P vapor >/dev/null
  fi
  [ -n "$state" ] && rm -rf "$state"
  [ "$had_var_lib_vapor" = no ] && rmdir /var/lib/vapor 2>/dev/null
  if [ -e "$aside/vapor.conf" ]; then
    mkdir -p /etc/vapor
    cp -a "$aside/vapor.conf" /etc/vapor/vapor.conf
  fi
  rm -rf "$aside"
}
trap cleanup EXIT
if [ -e /etc/vapor/vapor.conf ]; then
  mv /etc/vapor/vapor.conf "$aside/vapor.conf"
fi

echo "== dpkg -i $(basename "$deb")"
dpkg -i "$deb" >/dev/null
for f in /usr/bin/vapor /usr/bin/vaporctl /etc/vapor/vapor.conf \
         /usr/share/man/man8/vapor.8.gz /usr/share/man/man1/vaporctl.1.gz \
         /usr/share/bash-completion/completions/vaporctl \
         /usr/share/zsh/vendor-completions/_vaporctl \
         /usr/share/fish/vendor_completions.d/vaporctl.fish \
         /usr/share/doc/vapor/user-guide.md; do
  [ -s "$f" ] || { echo "the package did not install $f" >&2; exit 1; }
done
unit=$(dpkg -L vapor | grep '/systemd/system/vapor.service$')
dpkg-query -W -f='${Conffiles}\n' vapor | grep -q '/etc/vapor/vapor.conf' \
  || { echo "/etc/vapor/vapor.conf is not a conffile" >&2; exit 1; }

if command -v systemd-analyze >/dev/null; then
  # Offline: checks the unit's syntax, its settings and that ExecStart exists.
  systemd-analyze verify "$unit"
fi

# The unit's settings, as systemd would read them.
setting() { sed -n "s/^$1=//p" "$unit"; }
exec_start=$(setting ExecStart)
environment=$(setting Environment)
read -r -a rw_paths <<<"$(setting ReadWritePaths)"
echo "== $unit: ExecStart=$exec_start"

mkdir -p /var/lib/vapor
state=$(mktemp -d /var/lib/vapor/test-package.XXXXXX)
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
name=vapor-test-package-$$
export VAPOR_SERVER_PORT=$port
export VAPOR_DATABASE_PATH=$state/vapor.db
export VAPOR_STORAGE_ISO_DIR=$state/isos VAPOR_STORAGE_ISO_POOL=
export VAPOR_STORAGE_UPLOAD_DIR=$state/uploads VAPOR_STORAGE_SEED_DIR=$state/seeds
export VAPOR_STORAGE_BACKUP_DIR=$state/backups
# Swagger UI must come from the binary, not from a directory.
mkdir "$state/no-swagger-ui"
export VAPOR_DOCS_ASSETS_DIR=$state/no-swagger-ui
# shellcheck disable=SC2086 # Environment= holds NAME=VALUE words.
[ -n "$environment" ] && export $environment

# The stand-in for the unit's sandbox: ProtectSystem=strict with
# ReadWritePaths, PrivateTmp, ProtectHome=read-only (part of the read-only
# file system here), NoNewPrivileges.
sandbox='set -e
for p in "$@"; do
  case $p in -*) p=${p#-}; [ -e "$p" ] || continue ;; esac
  mount --bind "$p" "$p"
done
mount -t tmpfs tmpfs /tmp
mount -t tmpfs tmpfs /var/tmp
findmnt -rn -o TARGET | while read -r m; do
  case $m in /dev|/dev/*|/proc|/proc/*|/sys|/sys/*) continue ;; esac
  writable=no
  for p in "$@"; do [ "$m" = "${p#-}" ] && writable=yes; done
  [ $writable = yes ] || mount -o remount,bind,ro "$m" 2>/dev/null || true
done
touch /usr/vapor-sandbox-test 2>/dev/null && { echo "the sandbox stand-in left /usr writable" >&2; exit 1; }
exec setpriv --no-new-privs -- $VAPOR_EXEC_START'
log=$(mktemp)
VAPOR_EXEC_START=$exec_start unshare --mount --propagation private -- \
  bash -c "$sandbox" sandbox "${rw_paths[@]}" >"$log" 2>&1 &
pid=$!
url=http://127.0.0.1:$port
for _ in $(seq 1 100); do
  curl -sf "$url/api/v1/health" >/dev/null && break
  kill -0 "$pid" 2>/dev/null || { cat "$log" >&2; echo "vapor exited" >&2; exit 1; }
  sleep 0.1
done
curl -sf "$url/api/v1/health" >/dev/null || { cat "$log" >&2; exit 1; }
echo "== serving on $url (pid $pid)"

# The token command reads the same configuration, as root would run it.
read -r -a vapor_cmd <<<"$exec_start"
token=$("${vapor_cmd[0]}" token create test-package --config /etc/vapor/vapor.conf)
export VAPOR_URL=$url VAPOR_TOKEN=$token
vaporctl vm create --name "$name" --memory 64 --vcpus 1 >/dev/null
vaporctl vm list --name "$name" | grep -q "$name"
vaporctl vm get "$name" --output json | grep -q '"state": "shutoff"'
vaporctl vm delete "$name" >/dev/null
if vaporctl vm get "$name" >/dev/null 2>&1; then
  echo "$name is still there" >&2
  exit 1
fi
echo "== vaporctl created, listed and deleted $name"
headers=$(mktemp)
for path in /api/v1/docs /api/v1/docs/swagger-ui/swagger-ui-bundle.js /api/v1/docs/swagger-ui/swagger-ui.css; do
  code=$(curl -s -D "$headers" -o /dev/null -w '%{http_code}' "$url$path")
  [ "$code" = 200 ] || { echo "$path answered $code" >&2; exit 1; }
  grep -qi '^vapor-docs-assets: embedded' "$headers" \
    || { cat "$headers" >&2; echo "$path is not served from the binary's own Swagger UI" >&2; exit 1; }
done
rm -f "$headers"
bundle_bytes=$(curl -sf "$url/api/v1/docs/swagger-ui/swagger-ui-bundle.js" | wc -c)
[ "$bundle_bytes" -gt 100000 ] || { echo "swagger-ui-bundle.js has $bundle_bytes bytes" >&2; exit 1; }
grep -q "Swagger UI embedded in the binary" "$log" \
  || { cat "$log" >&2; echo "vapor did not log that it serves Swagger UI embedded" >&2; exit 1; }
echo "== the API reference page and Swagger UI answer 200, from the binary, with an empty assets_dir"

kill "$pid"
wait "$pid" || { cat "$log" >&2; echo "vapor did not stop cleanly" >&2; exit 1; }
pid=""
grep -q "stopped" "$log" || { cat "$log" >&2; exit 1; }

echo "== dpkg -P vapor"
dpkg -P vapor >/dev/null
rm -rf "$state"
state=""
[ "$had_var_lib_vapor" = no ] && rmdir /var/lib/vapor
if [ -e "$aside/vapor.conf" ]; then
  mkdir -p /etc/vapor
  mv "$aside/vapor.conf" /etc/vapor/vapor.conf
fi
after=$(snapshot)
if [ "$before" != "$after" ]; then
  echo "the machine is not as it was:" >&2
  diff <(echo "$before") <(echo "$after") >&2
  exit 1
fi
rm -f "$log"
echo "test-package: 1 passed, 0 failed"
