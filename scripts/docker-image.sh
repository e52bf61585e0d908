#!/usr/bin/env bash
# npm run image: builds regsync:dev (IMAGE=... for another tag) in the engine DOCKER_HOST names, without Docker
# Hub or any network: the bases are made from this machine's node and docker (scripts/docker-local-bases.sh),
# and the dependencies are the host's node_modules (from npm ci), passed in as DEPS_ARCHIVE.
# Where Docker Hub is reachable, `docker build -t regsync .` builds the same image on the public bases.
set -euo pipefail
cd "$(dirname "$0")/.."

IMAGE=${IMAGE:-regsync:dev}
NODE_BASE=${NODE_BASE:-regsync-local-node:20}
DOCKER_CLI_BASE=${DOCKER_CLI_BASE:-regsync-local-docker-cli:latest}
[ -d node_modules ] || { echo "docker-image: run npm ci first (the image takes its dependencies from node_modules)" >&2; exit 1; }
NODE_BASE=$NODE_BASE DOCKER_CLI_BASE=$DOCKER_CLI_BASE bash scripts/docker-local-bases.sh

trap 'rm -f .docker-deps.tgz' EXIT
# Through a symlinked node_modules too (a git worktree sharing another checkout's): its contents, named
# node_modules/...; hard links are renamed with them, symlink targets (relative, ../x) are kept as they are.
tar -czf .docker-deps.tgz -C "$(readlink -f node_modules)" --transform 's,^\.,node_modules,S' .
revision=$(git rev-parse HEAD 2>/dev/null || true)
start=$(date +%s)
docker build --network none \
  --build-arg "NODE_IMAGE=$NODE_BASE" --build-arg "NODE_SLIM_IMAGE=$NODE_BASE" --build-arg "DOCKER_CLI_IMAGE=$DOCKER_CLI_BASE" \
  --build-arg DEPS_ARCHIVE=.docker-deps.tgz \
  --build-arg "VERSION=$(node -p 'require("./package.json").version')" --build-arg "REVISION=$revision" \
  --build-arg "CREATED=$(date -u +%Y-%m-%dT%H:%M:%SZ)" \
  -t "$IMAGE" . >&2
echo "docker-image: built $IMAGE in $(($(date +%s) - start)) s, $(docker image inspect -f '{{.Size}}' "$IMAGE" | awk '{printf "%.1f MB", $1/1e6}')"
