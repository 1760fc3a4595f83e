#!/usr/bin/env bash
# Two private libvirt "hosts" on this machine, for the live-migration test.
#
#   scripts/two-hosts.sh up       make both hosts (again, if a broken set is found)
#   scripts/two-hosts.sh down     remove everything `up` made
#   scripts/two-hosts.sh status   the hosts, their URIs and their domains
#
# Host a: a libvirtd in the root network namespace, on 10.77.0.1:16509.
# Host b: a libvirtd in the network namespace vapor-hostb, on 10.77.0.2:16509.
# The only link is one veth pair, vapor-va (10.77.0.1) <-> vapor-vb
# (10.77.0.2), with no bridge, route, NAT or forwarding: nothing reaches
# any other address. Each libvirtd runs in a mount namespace of its own
# where /etc/libvirt, /run/libvirt, /var/lib/libvirt, /var/cache/libvirt
# and /var/log/libvirt are private directories under $STATE_DIR/<host>, so
# the two hosts share no configuration, domains, pools, disks or sockets
# with each other or with the machine's own libvirtd (qemu:///system),
# which is left alone. Each has its own host UUID, or libvirt would refuse
# to migrate "to the same host".
#
# URIs once up (also printed by `status`):
#   qemu+tcp://10.77.0.1/system   qemu+unix:///system?socket=$STATE_DIR/a/run/libvirt-sock
#   qemu+tcp://10.77.0.2/system   qemu+unix:///system?socket=$STATE_DIR/b/run/libvirt-sock
#
# Needs root, iproute2, util-linux's unshare, libvirtd and virsh.
set -euo pipefail

STATE_DIR=${VAPOR_TWO_HOSTS_DIR:-/tmp/vapor-two-hosts}
NETNS=vapor-hostb
VETH_A=vapor-va
VETH_B=vapor-vb
ADDR_A=10.77.0.1
ADDR_B=10.77.0.2
PREFIX_LEN=24
LIBVIRT_PORT=16509
# Host a shares the root network namespace with the machine's libvirtd,
# whose migrations use 49152-49215: host a takes another range.
PORTS_A=49400:49463
PORTS_B=49152:49215
# Where the machine's libvirtd keeps its probed QEMU capabilities. Seeding
# the hosts' caches from it spares each a probe of several seconds per
# QEMU binary; libvirt probes again by itself when a cached file is stale.
CAPS_CACHE=/var/cache/libvirt/qemu/capabilities
MARKER=.vapor-two-hosts

say() { printf 'two-hosts: %s\n' "$*" >&2; }

unix_uri() { printf 'qemu+unix:///system?socket=%s/%s/run/libvirt-sock' "$STATE_DIR" "$1"; }
tcp_uri() { if [[ $1 == a ]]; then printf 'qemu+tcp://%s/system' "$ADDR_A"; else printf 'qemu+tcp://%s/system' "$ADDR_B"; fi; }

# The host UUID host $1 reports, over TCP.
host_uuid() {
    timeout 10 virsh -q -c "$(tcp_uri "$1")" capabilities | sed -n 's:^ *<uuid>\(.*\)</uuid>.*:\1:p' | head -n 1
}

answers() { timeout 5 virsh -q -c "$1" uri >/dev/null 2>&1; }

netns_exists() { ip netns list 2>/dev/null | awk '{print $1}' | grep -qx "$NETNS"; }

# Writes host $1's configuration: libvirtd listens on $2 only, migrations
# use ports $3 (min:max) on $2.
configure() {
    local host=$1 addr=$2 ports=$3 dir=$STATE_DIR/$1
    mkdir -p "$dir"/{etc,run,lib/images,cache/qemu,log}
    cat >"$dir/etc/libvirtd.conf" <<EOF
# vapor two-hosts: host $host
host_uuid = "$(cat /proc/sys/kernel/random/uuid)"
listen_tls = 0
listen_tcp = 1
listen_addr = "$addr"
tcp_port = "$LIBVIRT_PORT"
auth_tcp = "none"
auth_unix_ro = "none"
auth_unix_rw = "none"
log_outputs = "3:file:/var/log/libvirt/libvirtd.log"
EOF
    cat >"$dir/etc/qemu.conf" <<EOF
# vapor two-hosts: host $host
user = "root"
group = "root"
security_driver = "none"
# No virtlogd runs in the private /run/libvirt: QEMU logs to files.
stdio_handler = "file"
# What the destination tells the source to connect to (by default its
# host name, which resolves to this machine's loopback), and where it listens.
migration_host = "$addr"
migration_address = "$addr"
migration_port_min = ${ports%%:*}
migration_port_max = ${ports##*:}
EOF
}

# Starts host $1's libvirtd, in network namespace $2 (empty: the root one).
start_daemon() {
    local host=$1 netns=$2 dir=$STATE_DIR/$1
    local -a enter=()
    [[ -n $netns ]] && enter=(ip netns exec "$netns")
    rm -f "$dir/run/libvirt-sock" "$dir/run/libvirt-sock-ro" "$dir/run/libvirtd.pid"
    "${enter[@]}" unshare --mount --propagation private /bin/bash -eu -c '
        dir=$1
        for pair in etc:/etc/libvirt run:/run/libvirt lib:/var/lib/libvirt \
                    cache:/var/cache/libvirt log:/var/log/libvirt; do
            mkdir -p "${pair#*:}"
            mount --bind "$dir/${pair%%:*}" "${pair#*:}"
        done
        # Without the cgroup tree libvirt runs QEMU without cgroups, so two
        # daemons do not both manage /sys/fs/cgroup/machine/qemu-1-<name>.
        # (ip netns exec mounts a fresh /sys without it already.)
        if grep -q " /sys/fs/cgroup " /proc/self/mounts; then
            umount --lazy /sys/fs/cgroup
        fi
        # The default pid file /run/libvirtd.pid is the machine daemon'"'"'s.
        exec libvirtd --daemon --listen --pid-file /run/libvirt/libvirtd.pid \
            --config /etc/libvirt/libvirtd.conf
    ' two-hosts "$dir"
    local i
    for i in $(seq 100); do
        if answers "$(unix_uri "$host")"; then
            say "host $host: libvirtd $(cat "$dir/run/libvirtd.pid") answers"
            return 0
        fi
        sleep 0.1
    done
    say "host $host: libvirtd did not come up"
    tail -n 20 "$dir/log/libvirtd.log" >&2 || true
    return 1
}

# Stops host $1: its domains, its libvirtd, QEMU processes left behind.
stop_host() {
    local host=$1 dir=$STATE_DIR/$1 uri pid name i
    [[ -d $dir ]] || return 0
    uri=$(unix_uri "$host")
    if [[ -S $dir/run/libvirt-sock ]] && answers "$uri"; then
        while read -r name; do
            [[ -n $name ]] && virsh -q -c "$uri" destroy "$name" >/dev/null 2>&1 || true
        done < <(timeout 5 virsh -q -c "$uri" list --name 2>/dev/null)
    fi
    if [[ -f $dir/run/libvirtd.pid ]]; then
        pid=$(cat "$dir/run/libvirtd.pid")
        if [[ $pid =~ ^[0-9]+$ ]] && [[ $(cat "/proc/$pid/comm" 2>/dev/null) == libvirtd ]]; then
            kill "$pid"
            for i in $(seq 50); do
                kill -0 "$pid" 2>/dev/null || break
                sleep 0.1
            done
            kill -0 "$pid" 2>/dev/null && kill -9 "$pid"
            say "host $host: libvirtd $pid stopped"
        fi
    fi
    for pidfile in "$dir"/run/qemu/*.pid; do
        [[ -f $pidfile ]] || continue
        pid=$(cat "$pidfile")
        if [[ $pid =~ ^[0-9]+$ ]] && [[ $(cat "/proc/$pid/comm" 2>/dev/null) == qemu* ]]; then
            say "host $host: killing QEMU $pid left behind"
            kill -9 "$pid"
        fi
    done
}

down() {
    stop_host b
    stop_host a
    if netns_exists; then
        ip netns delete "$NETNS"   # takes its end of the veth pair, and so the pair
        say "network namespace $NETNS removed"
    fi
    if ip link show "$VETH_A" >/dev/null 2>&1; then
        ip link delete "$VETH_A"
    fi
    if [[ -f $STATE_DIR/$MARKER ]]; then
        rm -rf "$STATE_DIR"
    elif [[ -e $STATE_DIR ]]; then
        say "leaving $STATE_DIR alone: it was not made by this script"
    fi
}

up() {
    local started=$SECONDS
    if [[ -f $STATE_DIR/$MARKER ]] && answers "$(tcp_uri a)" && answers "$(tcp_uri b)"; then
        say "already up"
        status
        return 0
    fi
    if [[ -e $STATE_DIR ]] || netns_exists || ip link show "$VETH_A" >/dev/null 2>&1; then
        say "a previous, incomplete set is in the way: removing it"
        down
    fi
    if [[ -e $STATE_DIR ]]; then
        say "$STATE_DIR exists and is not ours"
        return 1
    fi
    if ip -4 -o addr show | grep -q " 10\.77\.0\."; then
        say "10.77.0.0/$PREFIX_LEN is already used on this machine"
        return 1
    fi
    mkdir -p "$STATE_DIR"
    touch "$STATE_DIR/$MARKER"

    ip netns add "$NETNS"
    ip link add "$VETH_A" type veth peer name "$VETH_B" netns "$NETNS"
    ip addr add "$ADDR_A/$PREFIX_LEN" dev "$VETH_A"
    ip link set "$VETH_A" up
    ip -n "$NETNS" link set lo up
    ip -n "$NETNS" addr add "$ADDR_B/$PREFIX_LEN" dev "$VETH_B"
    ip -n "$NETNS" link set "$VETH_B" up
    say "link: $VETH_A $ADDR_A <-> $VETH_B $ADDR_B (namespace $NETNS)"

    configure a "$ADDR_A" "$PORTS_A"
    configure b "$ADDR_B" "$PORTS_B"
    if compgen -G "$CAPS_CACHE/*.xml" >/dev/null; then
        mkdir -p "$STATE_DIR/a/cache/qemu/capabilities"
        cp "$CAPS_CACHE"/*.xml "$STATE_DIR/a/cache/qemu/capabilities/"
    fi
    start_daemon a ""
    # Asking for the capabilities makes host a probe whatever its seed
    # lacked; host b then starts from host a's cache.
    timeout 60 virsh -q -c "$(unix_uri a)" capabilities >/dev/null
    cp -r "$STATE_DIR/a/cache/qemu/capabilities" "$STATE_DIR/b/cache/qemu/"
    start_daemon b "$NETNS"

    local uuid_a uuid_b
    uuid_a=$(host_uuid a)
    uuid_b=$(host_uuid b)
    if [[ -z $uuid_a || -z $uuid_b || $uuid_a == "$uuid_b" ]]; then
        say "the hosts do not have distinct host UUIDs ('$uuid_a', '$uuid_b')"
        return 1
    fi
    # Host b reaches host a too (migrations need both directions).
    ip netns exec "$NETNS" timeout 5 virsh -q -c "$(tcp_uri a)" uri >/dev/null
    say "host a: $(tcp_uri a) (host UUID $uuid_a)"
    say "host b: $(tcp_uri b) (host UUID $uuid_b)"
    say "up in $((SECONDS - started)) s"
}

status() {
    local host
    for host in a b; do
        echo "host $host: $(tcp_uri "$host")  $(unix_uri "$host")"
        if answers "$(unix_uri "$host")"; then
            virsh -q -c "$(unix_uri "$host")" list --all 2>&1 | sed 's/^/    /'
        else
            echo "    (not running)"
        fi
    done
}

if [[ $(id -u) != 0 ]]; then
    say "must run as root"
    exit 1
fi
case ${1:-} in
    up) up ;;
    down) down ;;
    status) status ;;
    *)
        echo "usage: $0 up|down|status" >&2
        exit 2
        ;;
esac
