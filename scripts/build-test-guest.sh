#!/usr/bin/env bash
# Builds the test guest: a tiny Linux made only from Debian packages, used by
# the conformance suite's guest tests on qemu:///system. Prints the path of
# the bootable disk image on its last line of output.
#
# The image is a raw disk holding one FAT filesystem (no partition table)
# with SYSLINUX in its boot sector, Debian's cloud kernel and an initramfs.
# The initramfs runs busybox init with:
#   - a banner, "VAPOR-TEST-GUEST READY boot=<boot id>", printed on the serial
#     console (ttyS0) and the screen (tty0) at boot and then every 2 s on the
#     serial console, so a reader that connects late still sees it;
#   - busybox acpid, which turns the ACPI power button into a clean poweroff;
#   - qemu-ga on the virtio-serial port org.qemu.guest_agent.0, with a
#     /sbin/shutdown so that the agent can power off and reboot the guest;
#   - udhcpc on every NIC present at boot.
# PCI hot-unplug is the kernel's ACPI hotplug (CONFIG_HOTPLUG_PCI_ACPI=y).
#
# Packages come from the configured Debian mirrors through apt-get only: the
# kernel named by linux-image-cloud-amd64, busybox-static and
# qemu-guest-agent, plus the shared libraries qemu-ga needs. The image is
# cached under /var/cache/vapor/test-guest/<key>/ (VAPOR_TEST_GUEST_CACHE
# overrides the directory), where the key hashes the three package versions
# and this script, so a new package version or a change here builds again.
set -euo pipefail

cache_root=${VAPOR_TEST_GUEST_CACHE:-/var/cache/vapor/test-guest}
log() { echo "build-test-guest: $*" >&2; }

# Host tools: syslinux writes the boot sector, mtools fills the FAT image
# without mounting it, dosfstools makes it, cpio packs the initramfs.
apt_updated=no
apt_update() {
  if [ "$apt_updated" = no ]; then
    apt-get update -qq >&2
    apt_updated=yes
  fi
}
tools=(syslinux mtools dosfstools cpio)
missing=()
for p in "${tools[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  export DEBIAN_FRONTEND=noninteractive
  apt_update
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# The exact kernel package linux-image-cloud-amd64 depends on: one version,
# never a glob (which would fetch every version there is).
kernel_package() {
  apt-cache depends linux-image-cloud-amd64 2>/dev/null |
    awk '$1 == "Depends:" && $2 ~ /^linux-image-[0-9].*-cloud-amd64$/ { print $2; exit }'
}
candidate() {
  apt-cache policy "$1" 2>/dev/null | awk '$1 == "Candidate:" && $2 != "(none)" { print $2; exit }'
}
kernel_pkg=$(kernel_package)
if [ -z "$kernel_pkg" ] || [ -z "$(candidate busybox-static)" ] || [ -z "$(candidate qemu-guest-agent)" ]; then
  apt_update
  kernel_pkg=$(kernel_package)
fi
[ -n "$kernel_pkg" ] || { log "linux-image-cloud-amd64 names no kernel package"; exit 1; }
packages=("$kernel_pkg" busybox-static qemu-guest-agent)
pinned=()
for p in "${packages[@]}"; do
  v=$(candidate "$p")
  [ -n "$v" ] || { log "no version of $p is available"; exit 1; }
  pinned+=("$p=$v")
done

self_hash=$(sha256sum "$0" | cut -c1-64)
key=$(printf '%s\n' "${pinned[@]}" "$self_hash" | sha256sum | cut -c1-16)
out_dir=$cache_root/$key
image=$out_dir/vapor-test-guest.img
if [ -s "$image" ]; then
  echo "$image"
  exit 0
fi

mkdir -p "$cache_root"
exec 9>"$cache_root/.lock"
flock 9
if [ -s "$image" ]; then # built by another run while this one waited
  echo "$image"
  exit 0
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
log "building for ${pinned[*]}"
mkdir -p "$work/debs" "$work/x" "$work/root"
(cd "$work/debs" && apt-get download -q -o APT::Sandbox::User=root "${pinned[@]}" >&2)
for deb in "$work"/debs/*.deb; do dpkg-deb -x "$deb" "$work/x"; done

kver=${kernel_pkg#linux-image-}
x=$work/x
r=$work/root
vmlinuz=$x/boot/vmlinuz-$kver
[ -f "$vmlinuz" ] || { log "$kernel_pkg has no boot/vmlinuz-$kver"; exit 1; }
config=$x/boot/config-$kver
for opt in CONFIG_HOTPLUG_PCI_ACPI CONFIG_SERIAL_8250_CONSOLE CONFIG_DEVTMPFS CONFIG_BLK_DEV_INITRD; do
  grep -q "^$opt=y" "$config" || { log "$kernel_pkg lacks $opt=y"; exit 1; }
done

# Userspace: busybox and its applets.
mkdir -p "$r"/{bin,sbin,etc,proc,sys,dev,run,tmp,root,var/run,var/log,usr/share/udhcpc,etc/acpi/PWRF}
cp "$x/bin/busybox" "$r/bin/busybox"
for applet in $("$r/bin/busybox" --list); do
  [ -e "$r/bin/$applet" ] || ln -s busybox "$r/bin/$applet"
done
ln -s /bin/busybox "$r/init"
mknod -m 600 "$r/dev/console" c 5 1
mknod -m 666 "$r/dev/null" c 1 3

# Kernel modules, with what they depend on, found by busybox's depmod.
"$r/bin/busybox" depmod -b "$x" "$kver"
moddir=lib/modules/$kver
modules=(virtio_pci virtio_blk virtio_net virtio_console virtio_balloon button evdev)
mkdir -p "$r/$moddir"
: >"$r/$moddir/modules.dep"
declare -A seen=()
for m in "${modules[@]}"; do
  line=$(grep -E "(^|/)$m\.ko:" "$x/$moddir/modules.dep") || { log "no module $m in $kernel_pkg"; exit 1; }
  for f in ${line/:/}; do
    [ -n "${seen[$f]:-}" ] && continue
    seen[$f]=1
    mkdir -p "$r/$moddir/$(dirname "$f")"
    cp "$x/$moddir/$f" "$r/$moddir/$f"
    grep -E "^$f:" "$x/$moddir/modules.dep" >>"$r/$moddir/modules.dep"
  done
done
printf '%s\n' "${modules[@]}" >"$r/etc/modules"

# qemu-ga and the shared libraries it needs, as ldd lists them. The
# libraries are those of the host's Debian packages; the ones qemu-ga's
# package depends on are installed when missing.
cp "$x/usr/sbin/qemu-ga" "$r/sbin/qemu-ga"
if ldd "$r/sbin/qemu-ga" | grep -q 'not found'; then
  libs=$(apt-cache depends qemu-guest-agent | awk '$1 == "Depends:" && $2 ~ /^lib/ { print $2 }')
  log "installing the libraries qemu-ga needs: $libs"
  apt_update
  # shellcheck disable=SC2086
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $libs >/dev/null
fi
if ldd "$r/sbin/qemu-ga" | grep 'not found' >&2; then
  log "qemu-ga still lacks libraries"
  exit 1
fi
for lib in $(ldd "$r/sbin/qemu-ga" | grep -o '/[^ ]*'); do
  mkdir -p "$r$(dirname "$lib")"
  cp -L "$lib" "$r$lib"
done

# The guest's own files.
cat >"$r/etc/inittab" <<'EOF'
::sysinit:/etc/rc
::respawn:/etc/agent
::respawn:/etc/banner-loop
::ctrlaltdel:/bin/reboot
::shutdown:/etc/rc.shutdown
EOF

cat >"$r/etc/rc" <<'EOF'
#!/bin/sh
export PATH=/bin:/sbin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /dev/pts /dev/virtio-ports
mount -t devpts devpts /dev/pts
mount -t tmpfs tmpfs /run
hostname vapor-test-guest
for m in $(cat /etc/modules); do modprobe "$m"; done
ip link set lo up
for n in /sys/class/net/*; do
  i=${n##*/}
  [ "$i" = lo ] && continue
  ip link set "$i" up
  udhcpc -b -S -i "$i" -s /usr/share/udhcpc/default.script >/dev/null 2>&1
done
# Started before the banner, so that a power button pressed once the banner
# is seen is heard.
acpid -c /etc/acpi -a /etc/acpid.conf
/etc/banner
EOF

cat >"$r/etc/banner" <<'EOF'
#!/bin/sh
line="VAPOR-TEST-GUEST READY boot=$(cat /proc/sys/kernel/random/boot_id)"
echo "$line" >/dev/ttyS0
echo "$line" >/dev/tty0
EOF

cat >"$r/etc/banner-loop" <<'EOF'
#!/bin/sh
while sleep 2; do
  echo "VAPOR-TEST-GUEST READY boot=$(cat /proc/sys/kernel/random/boot_id)" >/dev/ttyS0
done
EOF

# qemu-ga on the port QEMU names org.qemu.guest_agent.0; respawned by init,
# so it waits here until the port exists.
cat >"$r/etc/agent" <<'EOF'
#!/bin/sh
for i in $(seq 1 50); do
  for p in /sys/class/virtio-ports/*; do
    [ "$(cat "$p/name" 2>/dev/null)" = org.qemu.guest_agent.0 ] || continue
    ln -sf "/dev/${p##*/}" /dev/virtio-ports/org.qemu.guest_agent.0
    exec /sbin/qemu-ga -m virtio-serial -p /dev/virtio-ports/org.qemu.guest_agent.0 \
      -f /run/qemu-ga.pid -t /run
  done
  sleep 0.2
done
# No agent port: stay quiet instead of making init respawn at once.
exec sleep 3600
EOF

# The ACPI power button: busybox acpid maps the input event to PWRF and runs
# /etc/acpi/PWRF/00000080.
cat >"$r/etc/acpid.conf" <<'EOF'
PWRF PWRF/00000080
EOF
cat >"$r/etc/acpi/PWRF/00000080" <<'EOF'
#!/bin/sh
echo "vapor-test-guest: power button, powering off" >/dev/ttyS0
exec /bin/poweroff
EOF

# qemu-ga runs "/sbin/shutdown -h -P|-H|-r +0 <message>".
cat >"$r/sbin/shutdown" <<'EOF'
#!/bin/sh
action=poweroff
for a in "$@"; do
  case "$a" in
    -r) action=reboot ;;
    -H) action=halt ;;
  esac
done
echo "vapor-test-guest: agent asked for $action" >/dev/ttyS0
exec /bin/$action
EOF

cat >"$r/etc/rc.shutdown" <<'EOF'
#!/bin/sh
echo "vapor-test-guest: shutting down" >/dev/ttyS0
EOF

cat >"$r/usr/share/udhcpc/default.script" <<'EOF'
#!/bin/sh
case "$1" in
  deconfig) ip addr flush dev "$interface"; ip link set "$interface" up ;;
  bound|renew)
    ip addr flush dev "$interface"
    ip addr add "$ip/${mask:-24}" dev "$interface"
    if [ -n "$router" ]; then
      ip route add default via "${router%% *}" dev "$interface"
    fi
    ;;
esac
exit 0
EOF
chmod 755 "$r"/etc/{rc,banner,banner-loop,agent,rc.shutdown} "$r/etc/acpi/PWRF/00000080" \
  "$r/sbin/shutdown" "$r/usr/share/udhcpc/default.script"

(cd "$r" && find . | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0 | gzip -9) >"$work/initrd.gz"

# The disk: FAT with SYSLINUX in its boot sector; mtools copies the files in.
cat >"$work/syslinux.cfg" <<'EOF'
SERIAL 0 115200
DEFAULT linux
PROMPT 0
TIMEOUT 0
LABEL linux
  KERNEL /vmlinuz
  INITRD /initrd.gz
  APPEND console=tty0 console=ttyS0,115200n8
EOF
size_kib=$(( ($(stat -c %s "$vmlinuz") + $(stat -c %s "$work/initrd.gz")) / 1024 + 4096 ))
size_kib=$(( (size_kib + 1023) / 1024 * 1024 ))
mkfs.vfat -C -n VAPORGUEST "$work/disk.img" "$size_kib" >/dev/null
syslinux --install "$work/disk.img"
MTOOLS_SKIP_CHECK=1 mcopy -i "$work/disk.img" "$vmlinuz" ::vmlinuz
MTOOLS_SKIP_CHECK=1 mcopy -i "$work/disk.img" "$work/initrd.gz" ::initrd.gz
MTOOLS_SKIP_CHECK=1 mcopy -i "$work/disk.img" "$work/syslinux.cfg" ::syslinux.cfg

mkdir -p "$out_dir"
printf '%s\n' "${pinned[@]}" >"$out_dir/packages"
mv "$work/disk.img" "$image.tmp"
sync "$image.tmp"
mv "$image.tmp" "$image"
log "built $image ($(du -h "$image" | cut -f1))"
# Images of older package versions or of an older script are not used again.
for old in "$cache_root"/*/; do
  [ "${old%/}" = "$out_dir" ] || rm -rf "${old%/}"
done
echo "$image"
