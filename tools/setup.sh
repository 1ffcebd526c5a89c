# shellcheck shell=bash
# The README's first command: `. tools/setup.sh` (sourced, so Node 24 and pnpm stay on PATH for `pnpm test`).
# Installs the system packages the integration tests use (docker-registry, skopeo, apache2-utils, Ceph's radosgw) when they
# are missing, the Node toolchain and dependencies, builds everything, and runs the end-to-end demo, which
# needs only Node: a registry started with `stevedore serve`, a push of a generated two-platform image, a
# pull back and `stevedore inspect`. Then it writes the `stevedore` command (tools/install-command.sh: a
# launcher in ~/.local/bin that runs this checkout's CLI with the Node chosen here, from any shell).

_stevedore_setup() {
  local root
  root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd) || return 1
  if ! command -v docker-registry >/dev/null 2>&1 || ! command -v skopeo >/dev/null 2>&1 ||
    ! command -v htpasswd >/dev/null 2>&1 || ! command -v umoci >/dev/null 2>&1 || ! command -v openssl >/dev/null 2>&1 ||
    ! command -v radosgw >/dev/null 2>&1 || ! command -v ceph-mon >/dev/null 2>&1 || ! command -v ceph-osd >/dev/null 2>&1; then
    echo "setup: installing docker-registry, skopeo, apache2-utils, umoci, openssl, radosgw, ceph-mon and ceph-osd with apt-get" >&2
    local sudo=""
    [ "$(id -u)" -eq 0 ] || sudo=sudo
    # Only the integration tests need them; without apt the build and the demo still run.
    if ! { $sudo apt-get update -q >/dev/null &&
      DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q docker-registry skopeo apache2-utils umoci openssl >/dev/null &&
      DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends radosgw ceph-mon ceph-osd >/dev/null; }; then
      echo "setup: warning: could not install them; the demo runs without them, 'pnpm test' needs them" >&2
    fi
  fi
  # shellcheck source=tools/node-env.sh
  . "$root/tools/node-env.sh" || return 1
  (
    cd "$root" || exit 1
    pnpm install --frozen-lockfile || pnpm install --frozen-lockfile || exit 1
    pnpm build || exit 1
    bash tools/install-command.sh || echo "setup: warning: no 'stevedore' command written (see above)" >&2
    pnpm demo
  ) || return
  # This shell gets the command at once; a new one needs the PATH line install-command.sh printed.
  local bin_dir=${STEVEDORE_BIN_DIR:-${XDG_BIN_HOME:-$HOME/.local/bin}}
  case ":$PATH:" in
    *":$bin_dir:"*) ;;
    *) [ -x "$bin_dir/stevedore" ] && export PATH="$bin_dir:$PATH" ;;
  esac
  return 0
}

_stevedore_setup
_stevedore_status=$?
unset -f _stevedore_setup
[ "$_stevedore_status" -eq 0 ] || echo "setup: failed (exit $_stevedore_status)" >&2
# shellcheck disable=SC2317
return "$_stevedore_status" 2>/dev/null || exit "$_stevedore_status"
