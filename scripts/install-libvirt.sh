#!/usr/bin/env bash
# Installs libvirt, QEMU and the build dependencies of the libvirt backend from
# Debian's packages (and Swagger UI from the npm registry, for the API reference
# page), prepares libvirtd to run without systemd, and starts it.
# Idempotent: safe to run on every test run.
set -euo pipefail

need_pkgs=(libvirt-daemon libvirt-daemon-driver-qemu qemu-system-x86 qemu-utils libssl-dev
           dnsmasq-base libvirt-dev pkg-config libvirt-clients iptables xorriso
           ovmf swtpm swtpm-tools iproute2 novnc zstd)
missing=()
for p in "${need_pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  # qemu-system-x86 may replace a newer qemu-utils; make sure qemu-img matches.
  apt-get install -y -qq --no-install-recommends --reinstall qemu-utils >/dev/null || true
fi

# Swagger UI, for the API reference page (GET /api/v1/docs): not in Debian, so
# a pinned release from the npm registry, in [docs] assets_dir's default.
# Without it the service still runs, and the page says how to install it.
bash "$(dirname "$0")/../packaging/fetch-swagger-ui.sh" /usr/local/share/vapor/swagger-ui ||
  echo "warning: Swagger UI could not be installed: /api/v1/docs will say how to install it" >&2

getent group kvm >/dev/null || groupadd -r kvm
getent group libvirt-qemu >/dev/null || groupadd -r libvirt-qemu
id libvirt-qemu >/dev/null 2>&1 || useradd -r -g libvirt-qemu -G kvm -s /usr/sbin/nologin libvirt-qemu
mkdir -p /var/log/libvirt /var/lib/libvirt/images /var/run/libvirt

conf=/etc/libvirt/qemu.conf
mkdir -p /etc/libvirt && touch "$conf"
changed=no
for kv in 'user = "root"' 'group = "root"' 'security_driver = "none"' \
          'swtpm_user = "root"' 'swtpm_group = "root"'; do
  key=${kv%% =*}
  if ! grep -q "^${key} = " "$conf"; then
    echo "$kv" >>"$conf"
    changed=yes
  fi
done
mkdir -p /var/lib/libvirt/swtpm /var/log/swtpm/libvirt/qemu

if ! pgrep -x virtlogd >/dev/null; then virtlogd -d; fi
if [ "$changed" = yes ] && pgrep -x libvirtd >/dev/null; then
  # A running libvirtd read the old qemu.conf.
  pkill -x libvirtd
  for _ in $(seq 1 50); do pgrep -x libvirtd >/dev/null || break; sleep 0.1; done
fi
if ! pgrep -x libvirtd >/dev/null; then libvirtd -d; fi
for _ in $(seq 1 50); do
  if virsh -c qemu:///system version >/dev/null 2>&1; then exit 0; fi
  sleep 0.2
done
echo "libvirtd did not answer on qemu:///system" >&2
exit 1
