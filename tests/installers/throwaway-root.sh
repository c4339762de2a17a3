#!/bin/sh
# Runs a command in a throw-away copy of this machine: an overlay over / whose changes
# land in STATE/upper (kept from one call to the next, gone with STATE), in a private
# mount namespace, with fresh /tmp and /run — so no systemd is seen running, as in a CI
# container. Needs root (mount namespaces and overlayfs).
#   throwaway-root.sh STATE [--bind DIR]... -- COMMAND [ARG]...
# --bind DIR shows the host's DIR at the same path inside (e.g. the packages).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
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
# The same process all along (exec): signals sent to our pid reach COMMAND.
exec unshare --mount --propagation private "$here/overlay-root.sh" "$state" "$binds" "$@"
