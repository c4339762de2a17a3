#!/bin/bash
# Stands in for `dpkg -i PACKAGE` in the self-update tests: the "package" is an agent
# program named parc-agent_VERSION_ARCH.deb; it replaces bin/parc-agent and restarts the
# agent, as a package's postinst does. Like dpkg, it first runs the package's real preinst
# (copied beside it) with `upgrade INSTALLED NEW`, so its refusal of downgrades applies.
set -e
dir=$(dirname "$0")
new=$(basename "$1" | sed -n 's/^parc-agent_\([^_]*\)_.*/\1/p')
[ -s "$dir/installed.version" ] ||
	"$dir/bin/parc-agent" --version | awk '{print $2; exit}' >"$dir/installed.version"
echo "$1 PARC_ALLOW_DOWNGRADE=${PARC_ALLOW_DOWNGRADE:-}" >>"$dir/installs.log"
/bin/sh "$dir/preinst" upgrade "$(cat "$dir/installed.version")" "$new"
cp "$1" "$dir/bin/parc-agent.new"
chmod 755 "$dir/bin/parc-agent.new"
mv "$dir/bin/parc-agent.new" "$dir/bin/parc-agent"
echo "$new" >"$dir/installed.version"
kill "$(cat "$dir/agent.pid")" 2>/dev/null || true
