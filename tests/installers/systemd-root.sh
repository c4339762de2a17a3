#!/bin/sh
# Boots a real systemd as PID 1 of a private PID namespace, in the throw-away root that
# throwaway-root.sh STATE left (same overlay, so the packages installed there are seen).
# Only basic.target: the copy's own services (ssh, cron…) stay down; tests start units
# with systemctl through `nsenter --target <systemd's pid> --mount --pid --root --wd`.
# The host network is shared (127.0.0.1). Needs root. Killing this process kills them all.
#   systemd-root.sh STATE [--bind DIR]...
set -eu
state=$1
shift
binds=""
while [ "$#" -gt 0 ]; do
  [ "$1" = --bind ] || { echo "systemd-root: unknown option $1" >&2; exit 2; }
  binds="$binds $2"
  shift 2
done
mkdir -p "$state/upper" "$state/work" "$state/root"
exec unshare --mount --pid --fork --kill-child --propagation private /bin/sh -euc '
  state=$1 binds=$2
  root=$state/root
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
  exec chroot "$root" /lib/systemd/systemd --system --unit=basic.target \
    --log-target=journal --show-status=no
' systemd-root "$state" "$binds"
