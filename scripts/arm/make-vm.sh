#!/usr/bin/env bash
# make-vm.sh ARCH DIR: the pieces of the full-system qemu guest scripts/test-arm.sh runs the tests
# in, made in DIR (each step is skipped when its output is there already):
#   DIR/rootfs.img   Debian 12 of ARCH (arm64 | armhf) on an ext4 image, with what the tests run:
#                    mosquitto, openssl, ctest, the shells... (debootstrap --foreign on this machine,
#                    mkfs.ext4 -d, then debootstrap --second-stage inside the guest: the slow part,
#                    about 35 minutes under qemu TCG; dpkg over a 9p root is far slower still)
#   DIR/vmlinuz      Debian's arm kernel (linux-image-arm64 / linux-image-armmp-lpae)
#   DIR/initrd.img   a small initramfs made here from busybox-static of ARCH and the kernel's
#                    virtio/9p/ext4 modules (Debian's kernel has them as modules, and no target
#                    code may run on this machine to make the usual initramfs)
# Needs: debootstrap, qemu-system-arm, kmod, cpio, e2fsprogs (scripts/deps.sh --vm).
set -euo pipefail
[ $# -eq 2 ] || { sed -n '2,13p' "$0" >&2; exit 2; }
arch=$1
dir=$(realpath -m "$2")
here=$(cd "$(dirname "$0")" && pwd)
mirror=${MQKIT_DEBIAN_MIRROR:-http://deb.debian.org/debian}
case $arch in
    arm64) kernel=linux-image-arm64 ;;
    armhf) kernel=linux-image-armmp-lpae ;;
    *) echo "make-vm.sh: ARCH is arm64 or armhf" >&2; exit 2 ;;
esac
# At run time: mqkit's libraries, and the programs the tests start (found on the build machine
# at configure time, under the same paths here).
packages=libpaho-mqttpp3-1,libpaho-mqtt1.3,libssl3,mosquitto,mosquitto-clients,openssl,ca-certificates
packages+=,procps,iproute2,cmake,file,groff-base,zsh,fish,microsocks,$kernel,busybox-static
mkdir -p "$dir/debs"
root=$dir/root.d

first_stage() {
    rm -rf "$root"
    echo "make-vm.sh: debootstrap --foreign bookworm $arch (log: $dir/debootstrap.log)" >&2
    debootstrap --foreign --arch="$arch" --variant=minbase --include="$packages" bookworm "$root" "$mirror" \
        >"$dir/debootstrap.log" 2>&1 || { tail -n 20 "$dir/debootstrap.log" >&2; exit 1; }
    cp "$root"/var/cache/apt/archives/linux-image-*.deb "$root"/var/cache/apt/archives/busybox-static_*.deb "$dir/debs/"
    printf '127.0.0.1\tlocalhost\n127.0.1.1\tmqkit-vm\n::1\t\tlocalhost ip6-localhost ip6-loopback\n' >"$root/etc/hosts"
    echo mqkit-vm >"$root/etc/hostname"
    mkdir -p "$root/etc/dpkg/dpkg.cfg.d"
    echo force-unsafe-io >"$root/etc/dpkg/dpkg.cfg.d/unsafe-io"
    rm -f "$root/proc"; mkdir -p "$root/proc"  # debootstrap leaves a /proc -> /proc link in a container
}

kernel_and_initrd() {
    local x tmp kver
    x=$(mktemp -d) tmp=$(mktemp -d)
    trap 'rm -rf "$x" "$tmp"' RETURN
    dpkg-deb -x "$(ls "$dir"/debs/linux-image-*.deb | grep -v -- -dbg | head -n 1)" "$x"
    kver=$(ls "$x/lib/modules")
    depmod -b "$x" "$kver"
    mkdir -p "$tmp"/{bin,proc,sys,dev,newroot,lib/modules}
    dpkg-deb --fsys-tarfile "$(ls "$dir"/debs/busybox-static_*.deb | head -n 1)" | tar -xO ./bin/busybox >"$tmp/bin/busybox"
    chmod 755 "$tmp/bin/busybox"
    for m in virtio_mmio 9pnet_virtio 9p virtio_blk ext4 virtio_rng; do
        modprobe -d "$x" -S "$kver" --show-depends "$m" | awk '$1 == "insmod" {print $2}'
    done | awk '!seen[$0]++' | while read -r ko; do
        cp "$ko" "$tmp/lib/modules/"
        basename "$ko" >>"$tmp/modules.order"
    done
    cp "$here/vm-init.sh" "$tmp/init"
    chmod 755 "$tmp/init"
    (cd "$tmp" && find . | cpio -o -H newc --quiet | gzip -9) >"$dir/initrd.img"
    cp "$x/boot/vmlinuz-$kver" "$dir/vmlinuz"
    echo "make-vm.sh: kernel $kver, initrd modules: $(tr '\n' ' ' <"$tmp/modules.order")" >&2
}

[ -f "$dir/rootfs.img" ] || [ -d "$root" ] || first_stage
[ -f "$dir/vmlinuz" ] && [ -f "$dir/initrd.img" ] || kernel_and_initrd
if [ ! -f "$dir/rootfs.img" ]; then
    rm -f "$dir/rootfs.img.new"
    truncate -s 4G "$dir/rootfs.img.new"
    mkfs.ext4 -q -F -L mqkit-root -d "$root" "$dir/rootfs.img.new"
    echo "make-vm.sh: debootstrap --second-stage in the $arch guest (slow: ~35 min)" >&2
    MQKIT_VM_DIR=$dir "$here/run-in-vm.sh" -t 7200 -i "$dir/rootfs.img.new" --keep "$arch" \
        '/debootstrap/debootstrap --second-stage && rm -rf /var/cache/apt/archives/*.deb /debootstrap' \
        >"$dir/second-stage.log" 2>&1 || { tail -n 20 "$dir/second-stage.log" >&2; exit 1; }
    mv "$dir/rootfs.img.new" "$dir/rootfs.img"
    rm -rf "$root"
fi
echo "make-vm.sh: $arch guest ready in $dir" >&2
