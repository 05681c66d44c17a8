#!/usr/bin/env bash
# test-distro.sh trixie|bookworm: README's test command on a clean Debian 13 (trixie) or 12
# (bookworm), as a new user would run it. Builds a minimal root with debootstrap from Debian's own
# mirror (MQKIT_DEBIAN_MIRROR, default http://deb.debian.org/debian; plus -updates and -security),
# clones this repository's committed HEAD into it (uncommitted changes are not tested) and runs
# ./scripts/test.sh there in a chroot: scripts/deps.sh installs every package the build and the
# tests need, nothing is pre-installed or cached. Needs root and debootstrap; the root is made
# fresh in build-distro-SUITE/ (MQKIT_DISTRO_DIR elsewhere) and left there for a look afterwards.
# Mounts (/proc, /sys, /dev) live in a private mount namespace and vanish with it.
# MQKIT_TEST_STAGES is passed on to test.sh (CI: "plain interop", the whole suite once).
set -euo pipefail
cd "$(dirname "$0")/.."
suite=${1:-}
case $suite in trixie | bookworm) ;; *) sed -n '2,9p' "$0" >&2; exit 2 ;; esac
[ "$(id -u)" -eq 0 ] || { echo "test-distro.sh: needs root (debootstrap, chroot)" >&2; exit 2; }
scripts/deps.sh --distro
mirror=${MQKIT_DEBIAN_MIRROR:-http://deb.debian.org/debian}
security=${MQKIT_DEBIAN_SECURITY:-http://deb.debian.org/debian-security}
root=$(realpath -m "${MQKIT_DISTRO_DIR:-build-distro-$suite}")
src=$PWD
commit=$(git rev-parse HEAD)

if [ -d "$root" ]; then
    # a root left by an earlier run (with its mounts, if that run was killed)
    grep -q " $root/" /proc/mounts && awk -v r="$root/" 'index($2, r) == 1 {print $2}' /proc/mounts | sort -r |
        xargs -r umount -l
    rm -rf "$root"
fi
t0=$(date +%s)
mkdir -p "$root"
echo "test-distro.sh: debootstrap $suite into $root" >&2
debootstrap --variant=minbase "$suite" "$root" "$mirror" >"$root/.debootstrap.log" 2>&1 ||
    { tail -n 20 "$root/.debootstrap.log" >&2; exit 1; }
cat >"$root/etc/apt/sources.list" <<SOURCES
deb $mirror $suite main
deb $mirror $suite-updates main
deb $security $suite-security main
SOURCES
cp /etc/resolv.conf "$root/etc/resolv.conf"
# The build machine's own trust anchors (an HTTPS proxy's CA, say: npm fetches aedes through it),
# part of its network setup like resolv.conf; ca-certificates, once installed in the root by
# deps.sh, adds them to the root's store.
if compgen -G "/usr/local/share/ca-certificates/*.crt" >/dev/null; then
    mkdir -p "$root/usr/local/share/ca-certificates"
    cp /usr/local/share/ca-certificates/*.crt "$root/usr/local/share/ca-certificates/"
fi
printf '127.0.0.1\tlocalhost\n::1\t\tlocalhost ip6-localhost ip6-loopback\n' >"$root/etc/hosts"
git clone -q --no-hardlinks "$src" "$root/root/mqkit"
git -C "$root/root/mqkit" checkout -q "$commit"
echo "test-distro.sh: $suite root ready in $(($(date +%s) - t0)) s; mqkit $(git -C "$src" log -1 --format='%h %s' | cut -c1-60)" >&2

# In a private mount namespace: proc, sys and dev for the chroot, gone when it ends.
status=0
unshare --mount --propagation private bash -euo pipefail -c '
    root=$1 stages=$2
    mount -t proc proc "$root/proc"
    mount --rbind /sys "$root/sys"
    mount --bind /dev "$root/dev"
    mount --bind /dev/pts "$root/dev/pts"
    chroot "$root" /usr/bin/env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
        HOME=/root LANG=C.UTF-8 TERM=dumb ${stages:+MQKIT_TEST_STAGES="$stages"} bash -c "cd /root/mqkit && ./scripts/test.sh"
' test-distro "$root" "${MQKIT_TEST_STAGES:-}" || status=$?
echo "test-distro.sh: $suite: ${MQKIT_TEST_STAGES:+MQKIT_TEST_STAGES=\"$MQKIT_TEST_STAGES\" }./scripts/test.sh $([ $status -eq 0 ] && echo passed || echo "FAILED ($status)")" \
    "in $(($(date +%s) - t0)) s all told" >&2
exit $status
