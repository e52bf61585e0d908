#!/usr/bin/env bash
# Makes the Dockerfile's base images from this machine's own binaries, for engines that cannot reach Docker Hub:
#   regsync-local-node:20    the host's node + the libraries ldd lists, /bin/sh, env, the CA bundle and npm,
#                            with a `node` user (uid 1000) as in the official images (NODE_IMAGE, NODE_SLIM_IMAGE)
#   regsync-local-docker-cli the host's docker CLI at /usr/local/bin/docker (DOCKER_CLI_IMAGE)
# in the engine DOCKER_HOST names. An image already there is kept (REBUILD_BASES=1 makes it again).
# Each import takes a few seconds.
set -euo pipefail

NODE_BASE=${NODE_BASE:-regsync-local-node:20}
DOCKER_CLI_BASE=${DOCKER_CLI_BASE:-regsync-local-docker-cli:latest}
for tool in docker node tar ldd; do
  command -v "$tool" >/dev/null || { echo "docker-local-bases: $tool is not installed" >&2; exit 1; }
done

WORK=$(mktemp -d /tmp/regsync-bases.XXXXXX)
trap 'rm -rf "$WORK"' EXIT

have() { [ -z "${REBUILD_BASES:-}" ] && docker image inspect "$1" >/dev/null 2>&1; }

# Copies the given paths and the shared libraries they load into a root filesystem under $1.
copy_with_libraries() {
  local rootfs=$1; shift
  local paths=("$@") lib
  while read -r lib; do paths+=("$lib"); done < <(ldd "$@" 2>/dev/null | awk '/=> \// { print $3 } /^\t\// { print $1 }' | sort -u)
  tar -C / -chf - "${paths[@]#/}" 2>/dev/null | tar -C "$rootfs" -xf -
}

if ! have "$NODE_BASE"; then
  node_bin=$(readlink -f "$(command -v node)")
  npm_dir=$(dirname "$(dirname "$(readlink -f "$(command -v npm)")")")
  rootfs="$WORK/node"
  mkdir -p "$rootfs"/{etc,tmp,home/node,usr/local/bin} && chmod 1777 "$rootfs/tmp"
  copy_with_libraries "$rootfs" "$node_bin" /bin/sh "$(readlink -f /bin/sh)" /usr/bin/env
  tar -C / -chf - etc/ssl/certs/ca-certificates.crt "${npm_dir#/}" | tar -C "$rootfs" -xf -
  ln -sf "$node_bin" "$rootfs/usr/local/bin/node"
  ln -sf "$npm_dir/bin/npm-cli.js" "$rootfs/usr/local/bin/npm"
  printf 'root:x:0:0:root:/root:/bin/sh\nnode:x:1000:1000::/home/node:/bin/sh\n' >"$rootfs/etc/passwd"
  printf 'root:x:0:\nnode:x:1000:\n' >"$rootfs/etc/group"
  chown 1000:1000 "$rootfs/home/node"
  tar -C "$rootfs" -cf - . | docker import \
    -c 'ENV PATH=/usr/local/bin:/usr/bin:/bin' -c 'ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt' \
    -c 'CMD ["node"]' - "$NODE_BASE" >/dev/null
  echo "docker-local-bases: $NODE_BASE (node $(node --version))"
fi

if ! have "$DOCKER_CLI_BASE"; then
  docker_bin=$(readlink -f "$(command -v docker)")
  rootfs="$WORK/docker-cli"
  mkdir -p "$rootfs/usr/local/bin"
  copy_with_libraries "$rootfs" "$docker_bin"
  [ "$docker_bin" = /usr/local/bin/docker ] || cp "$docker_bin" "$rootfs/usr/local/bin/docker"
  tar -C "$rootfs" -cf - . | docker import -c 'CMD ["docker"]' - "$DOCKER_CLI_BASE" >/dev/null
  echo "docker-local-bases: $DOCKER_CLI_BASE ($(docker --version))"
fi
