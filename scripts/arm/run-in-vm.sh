#!/usr/bin/env bash
# run-in-vm.sh [options] ARCH COMMAND...: boots the ARCH (arm64 | armhf) guest of make-vm.sh (in
# MQKIT_VM_DIR, default build-arm-vm/ARCH) in full-system qemu (TCG), shares the work folder at the
# same absolute path as here (read-write, 9p), runs COMMAND there with bash -c as root, prints its
# output, powers the guest off and exits with COMMAND's status. The guest has no network device
# (-nic none): loopback only, which is all the tests use.
#   -w DIR    work folder shared into the guest (default: the current directory)
#   -t SECS   give up after SECS (default 3600); exit 124 then
#   -m MB     guest memory (default 2048);  -c N: guest CPUs (default 2)
#   -i IMAGE  the root image (default: MQKIT_VM_DIR/rootfs.img); changes are discarded
#             (qemu snapshot=on) unless --keep is given
#   -v        show the kernel's and the initramfs' console messages too
# Exit: COMMAND's status; 125 if the guest ended without reporting one (boot failure, crash).
set -euo pipefail
work=$PWD timeout=3600 mem=2048 cpus=2 verbose=0 image= keep=off
while [ $# -gt 0 ]; do
    case $1 in
        -w) work=$(cd "$2" && pwd); shift 2 ;;
        -t) timeout=$2; shift 2 ;;
        -m) mem=$2; shift 2 ;;
        -c) cpus=$2; shift 2 ;;
        -i) image=$2; shift 2 ;;
        --keep) keep=on; shift ;;
        -v) verbose=1; shift ;;
        *) break ;;
    esac
done
[ $# -ge 2 ] || { sed -n '2,13p' "$0" >&2; exit 2; }
arch=$1
shift
vm=${MQKIT_VM_DIR:-build-arm-vm/$arch}
image=${image:-$vm/rootfs.img}
case $arch in
    arm64) qemu=(qemu-system-aarch64 -M virt -cpu cortex-a57) ;;
    armhf) qemu=(qemu-system-arm -M virt -cpu cortex-a15) ;;
    *) echo "run-in-vm.sh: ARCH is arm64 or armhf" >&2; exit 2 ;;
esac
for f in "$vm/vmlinuz" "$vm/initrd.img" "$image"; do
    [ -e "$f" ] || { echo "run-in-vm.sh: missing $f (scripts/arm/make-vm.sh $arch $vm)" >&2; exit 2; }
done

ctl=$(mktemp -d "${TMPDIR:-/tmp}/mqkit-vm.XXXXXX")
trap 'rm -rf "$ctl"' EXIT
printf '%s\n' "$work" >"$ctl/workpath"
printf '%s\n' "$*" >"$ctl/cmd"
cat >"$ctl/guest.sh" <<'GUEST'
#!/bin/sh
# PID 1 in the Debian root (after the initramfs' switch_root).
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 TERM=dumb
mount -t tmpfs -o mode=1777 tmpfs /tmp
mount -t tmpfs -o mode=755 tmpfs /run
mkdir -p /dev/pts /dev/shm
mount -t devpts -o gid=5,mode=620,ptmxmode=666 devpts /dev/pts
mount -t tmpfs -o mode=1777 tmpfs /dev/shm
ln -sf /proc/self/fd /dev/fd; ln -sf /proc/self/fd/0 /dev/stdin
ln -sf /proc/self/fd/1 /dev/stdout; ln -sf /proc/self/fd/2 /dev/stderr
hostname mqkit-vm 2>/dev/null
cd "$(cat /mnt/ctl/workpath)"
echo "@@mqkit-vm: start@@"
/bin/bash -c "$(cat /mnt/ctl/cmd)" </dev/null 2>&1
echo $? >/mnt/ctl/rc
echo "@@mqkit-vm: end@@"
sync
echo o >/proc/sysrq-trigger
sleep 30
GUEST

drive="file=$image,format=raw,if=none,id=hd,cache=unsafe"
[ $keep = on ] || drive+=",snapshot=on"
append="console=ttyAMA0 panic=-1"
[ $verbose = 1 ] || append+=" quiet loglevel=1"
start=$(date +%s)
set +e
# virtio-mmio devices only (-device virtio-*-device): the PCI ones want option ROMs (ipxe-qemu).
timeout --foreground "$timeout" "${qemu[@]}" -smp "$cpus" -m "$mem" -nographic -no-reboot -monitor none -nic none \
    -kernel "$vm/vmlinuz" -initrd "$vm/initrd.img" -append "$append" \
    -drive "$drive" -device virtio-blk-device,drive=hd \
    -fsdev "local,id=ctl,path=$ctl,security_model=passthrough" -device virtio-9p-device,fsdev=ctl,mount_tag=ctl \
    -fsdev "local,id=work,path=$work,security_model=passthrough" -device virtio-9p-device,fsdev=work,mount_tag=work \
    -device virtio-rng-device </dev/null 2>&1 |
    tr -d '\r' |
    if [ $verbose = 1 ]; then cat; else sed -un '/^@@mqkit-vm: start@@$/,/^@@mqkit-vm: end@@$/{/^@@mqkit-vm: /d;p}'; fi
status=${PIPESTATUS[0]}
set -e
if [ "$status" = 124 ]; then echo "run-in-vm.sh: timed out after ${timeout}s" >&2; exit 124; fi
if [ -s "$ctl/rc" ]; then rc=$(cat "$ctl/rc"); else
    echo "run-in-vm.sh: the guest reported no exit status (qemu $status)" >&2
    rc=125
fi
echo "run-in-vm.sh: $arch guest, $(($(date +%s) - start)) s" >&2
exit "$rc"
