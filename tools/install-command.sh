#!/usr/bin/env bash
# Writes the `stevedore` command for this checkout: a small launcher in ${STEVEDORE_BIN_DIR:-~/.local/bin}
# that runs packages/cli/dist/bin.js with the Node that tools/node-env.sh chose (the pinned Node from the
# toolchain cache when the system Node is too old), so it works in any shell, from any directory, without
# sourcing anything. It does not change directory: relative paths stay relative to where the user is.
# tools/setup.sh runs it; run it again after moving the checkout. Prints the launcher's path, and a line
# saying how to put its directory on PATH when it is not there.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bin_dir=${STEVEDORE_BIN_DIR:-${XDG_BIN_HOME:-$HOME/.local/bin}}
launcher="$bin_dir/stevedore"
marker="# stevedore launcher written by tools/install-command.sh"

node_path=$(command -v node || true)
if [ -z "$node_path" ]; then
  echo "install-command: no node on PATH; source tools/node-env.sh first" >&2
  exit 1
fi
node_path=$(cd "$(dirname "$node_path")" && pwd)/$(basename "$node_path")

# A `stevedore` that is not ours (an npm global install, say) is left alone.
if [ -e "$launcher" ] && ! grep -qF "$marker" "$launcher" 2>/dev/null; then
  echo "install-command: $launcher exists and was not written by stevedore's set-up; left as it is" >&2
  exit 1
fi

quote() { printf "'%s'" "$(printf '%s' "$1" | sed "s/'/'\\\\''/g")"; }

mkdir -p "$bin_dir"
tmp=$(mktemp "$bin_dir/.stevedore.XXXXXX")
cat >"$tmp" <<EOF
#!/bin/sh
$marker
# Runs the stevedore CLI of the checkout below with the Node the set-up chose; when that Node is gone, the
# first node on PATH runs it, and the CLI says which Node it needs if that one is too old.
root=$(quote "$root")
node=$(quote "$node_path")
[ -x "\$node" ] || node=node
if [ ! -f "\$root/packages/cli/dist/bin.js" ]; then
  echo "stevedore: \$root/packages/cli/dist/bin.js is missing: run '. tools/setup.sh' (or 'pnpm build') in \$root" >&2
  exit 1
fi
exec "\$node" "\$root/packages/cli/dist/bin.js" "\$@"
EOF
chmod 755 "$tmp"
mv "$tmp" "$launcher"

echo "stevedore: installed $launcher (runs $root with $node_path)"
case ":$PATH:" in
  *":$bin_dir:"*) ;;
  *)
    # shellcheck disable=SC2016
    printf 'stevedore: %s is not on your PATH; add it, e.g. in ~/.bashrc or ~/.profile:  export PATH="%s:$PATH"\n' \
      "$bin_dir" "$bin_dir"
    ;;
esac
