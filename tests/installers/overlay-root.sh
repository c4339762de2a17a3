#!/bin/sh
# The throw-away root, mounted inside fresh namespaces by throwaway-root.sh and
# systemd-root.sh: an overlay over / whose changes land in STATE/upper, with /proc, /dev
# and /sys, a fresh /tmp and /run, and each DIR of BINDS at the same path; then COMMAND
# runs chrooted in it (exec: same process, so signals sent to it reach COMMAND).
#   overlay-root.sh STATE "DIR DIR…" COMMAND [ARG]...
set -eu
state=$1 binds=$2
shift 2
root=$state/root
mkdir -p "$state/upper" "$state/work" "$root"
mount -t overlay overlay -o "lowerdir=/,upperdir=$state/upper,workdir=$state/work" "$root"
mount -t proc proc "$root/proc"
mount --rbind /dev "$root/dev"
mount --rbind /sys "$root/sys"
mount -t tmpfs -o mode=1777 tmpfs "$root/tmp"
mount -t tmpfs -o mode=0755 tmpfs "$root/run"
for dir in $binds; do
  mkdir -p "$root$dir"
  mount --bind "$dir" "$root$dir"
done
exec chroot "$root" "$@"
