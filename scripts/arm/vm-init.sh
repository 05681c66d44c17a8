#!/bin/busybox sh
# /init of the initramfs scripts/arm/make-vm.sh makes: loads the virtio, 9p and ext4 modules,
# mounts the Debian root from /dev/vda (ext4), the control share (9p tag "ctl") at /mnt/ctl and the
# work share (9p tag "work") at the path written in ctl/workpath, then switch_roots into the root
# and runs /mnt/ctl/guest.sh there (scripts/arm/run-in-vm.sh writes it).
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
for m in $(cat /modules.order); do insmod /lib/modules/$m 2>/dev/null; done
o=trans=virtio,version=9p2000.L,msize=524288
fail() { echo "initrd: $*"; sleep 1; echo o >/proc/sysrq-trigger; }
mount -t ext4 /dev/vda /newroot || fail "cannot mount /dev/vda"
mkdir -p /newroot/mnt/ctl
mount -t 9p -o $o ctl /newroot/mnt/ctl || fail "cannot mount ctl"
if [ -s /newroot/mnt/ctl/workpath ]; then
    w=$(cat /newroot/mnt/ctl/workpath)
    mkdir -p "/newroot$w"
    mount -t 9p -o $o work "/newroot$w" || fail "cannot mount work at $w"
fi
for d in proc sys; do if [ -L /newroot/$d ]; then rm /newroot/$d; mkdir /newroot/$d; fi; done
ip link set lo up
mount --move /proc /newroot/proc
mount --move /sys /newroot/sys
mount --move /dev /newroot/dev
exec switch_root /newroot /bin/sh /mnt/ctl/guest.sh
