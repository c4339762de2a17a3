#!/bin/sh
# Runs a command in a throw-away copy of this machine: an overlay over / whose changes
# land in STATE/upper (kept from one call to the next, gone with STATE), in a private
# mount namespace, with fresh /tmp and /run — so no systemd is seen running, as in a CI
# container. Needs root (mount namespaces and overlayfs).
#   throwaway-root.sh STATE [--bind DIR]... -- COMMAND [ARG]...
# --bind DIR shows the host's DIR at the same path inside (e.g. the packages).
set -eu
state=$1
shift
binds=""
while [ "$#" -gt 0 ] && [ "$1" != "--" ]; do
  [ "$1" = --bind ] || { echo "throwaway-root: unknown option $1" >&2; exit 2; }
  binds="$binds $2"
  shift 2
done
[ "$#" -gt 1 ] || { echo "usage: throwaway-root.sh STATE [--bind DIR]... -- COMMAND..." >&2; exit 2; }
shift
mkdir -p "$state/upper" "$state/work" "$state/root"
# The same process all along (exec): signals sent to our pid reach COMMAND.
exec unshare --mount --propagation private /bin/sh -euc '
  state=$1 binds=$2
  shift 2
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
  exec chroot "$root" "$@"
' throwaway-root "$state" "$binds" "$@"
