#!/usr/bin/env bash
# Builds the Dockerfile on a machine without Docker Hub, in a private dockerd, and checks that the image runs:
#   sudo bash scripts/docker-build-check.sh            # run from the repository root, as root
# It starts a private dockerd (temp dir, proxies pointing at a dead loopback port so no pull reaches
# Docker Hub), builds the image with scripts/docker-image.sh (local bases from this machine's node and
# docker, dependencies from the host's node_modules, no network) and runs --version, validate on every
# example and plan on the quickstart. The test suite's own image test is test/ship/docker-image.slow.ts
# (npm run test:ship); this script is for looking at a build by hand.
# KEEP_DOCKERD=1 leaves the daemon running and prints its DOCKER_HOST (stop it yourself).
set -euo pipefail

cd "$(dirname "$0")/.."
REPO=$PWD
IMAGE=regsync:check
VERSION=$(node -p 'require("./package.json").version')

[ "$(id -u)" = 0 ] || { echo "docker-build-check: needs root (dockerd mounts overlay filesystems)" >&2; exit 1; }
for tool in dockerd docker node tar; do
  command -v "$tool" >/dev/null || { echo "docker-build-check: $tool is not installed" >&2; exit 1; }
done

WORK=$(mktemp -d /tmp/regsync-docker-check.XXXXXX)
DAEMON_PID=
cleanup() {
  if [ -n "${KEEP_DOCKERD:-}" ] && [ -n "$DAEMON_PID" ]; then
    echo "dockerd left running: DOCKER_HOST=unix://$WORK/docker.sock (pid $DAEMON_PID, dir $WORK)"
    return
  fi
  if [ -n "$DAEMON_PID" ]; then
    kill -TERM "$DAEMON_PID" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$DAEMON_PID" 2>/dev/null || break; sleep 0.2; done
    kill -KILL "$DAEMON_PID" 2>/dev/null || true
  fi
  # A killed daemon can leave overlay and netns mounts behind; rm -rf would fail on them.
  # (set +e: with pipefail a grep that finds no mount would otherwise end the trap before rm.)
  set +e
  grep -o " $WORK[^ ]*" /proc/mounts | sort -r | while read -r mnt; do umount -l "$mnt"; done
  rm -rf "$WORK"
}
trap cleanup EXIT

# --- private dockerd -----------------------------------------------------------------------------
mkdir -p "$WORK/config"
echo '{}' >"$WORK/config/config.json"
echo '{}' >"$WORK/daemon.json"
export DOCKER_HOST="unix://$WORK/docker.sock" DOCKER_CONFIG="$WORK/config"
DEAD=http://127.0.0.1:9
HTTP_PROXY=$DEAD HTTPS_PROXY=$DEAD NO_PROXY=127.0.0.0/8,localhost http_proxy=$DEAD https_proxy=$DEAD no_proxy=127.0.0.0/8,localhost \
  dockerd --data-root="$WORK/data" --exec-root="$WORK/exec" --pidfile="$WORK/dockerd.pid" \
  --config-file="$WORK/daemon.json" -H "$DOCKER_HOST" --storage-driver=overlay2 \
  --iptables=false --ip6tables=false --bridge=none --ip-masq=false >"$WORK/dockerd.log" 2>&1 &
DAEMON_PID=$!
for _ in $(seq 1 100); do docker version >/dev/null 2>&1 && break; sleep 0.2; done
docker version >/dev/null 2>&1 || { echo "dockerd did not start:" >&2; tail -20 "$WORK/dockerd.log" >&2; exit 1; }

# --- build: local bases, offline (scripts/docker-image.sh) ----------------------------------------
IMAGE=$IMAGE bash scripts/docker-image.sh

# --- checks ----------------------------------------------------------------------------------------
fail=0
check() { # check NAME EXPECTED_EXIT COMMAND...
  local name=$1 expected=$2; shift 2
  local out rc=0
  out=$("$@" 2>&1) || rc=$?
  if [ "$rc" = "$expected" ]; then echo "ok   $name"; else echo "FAIL $name (exit $rc, expected $expected)"; echo "$out" | tail -10 | sed 's/^/     /'; fail=1; fi
  LAST_OUT=$out
}

check "--version prints $VERSION" 0 docker run --rm --network host "$IMAGE" --version
[ "$LAST_OUT" = "$VERSION" ] || { echo "FAIL --version printed '$LAST_OUT'"; fail=1; }
# Without a Docker socket the entrypoint drops to node (uid 1000): the plan file regsync writes tells.
mkdir -p "$WORK/out" && chmod 777 "$WORK/out"
check "runs as the node user without a socket" 0 docker run --rm --network none -v "$REPO/examples/quickstart:/work:ro" \
  -v "$WORK/out:/out" "$IMAGE" plan -c regsync.yaml --out /out/plan.json
[ "$(stat -c %u "$WORK/out/plan.json" 2>/dev/null)" = 1000 ] || { echo "FAIL regsync ran as uid $(stat -c %u "$WORK/out/plan.json" 2>/dev/null), not 1000"; fail=1; }
# Examples that name registries with credentials read them from the environment; any value validates.
creds=(-e MIRROR_USER=u -e MIRROR_PASSWORD=p -e OLD_REGISTRY_USER=u -e OLD_REGISTRY_PASSWORD=p -e NEW_REGISTRY_USER=u -e NEW_REGISTRY_PASSWORD=p)
for config in examples/*/regsync.yaml; do
  check "validate $config" 0 docker run --rm "${creds[@]}" -v "$REPO/examples:/work/examples:ro" "$IMAGE" validate -c "/work/$config"
done
check "plan examples/quickstart (ocidir, no network)" 0 docker run --rm --network none -v "$REPO/examples/quickstart:/work:ro" -w /work "$IMAGE" plan -c regsync.yaml
echo "$LAST_OUT" | grep -q 'Plan: 4 to create' || { echo "FAIL plan output lacks 'Plan: 4 to create':"; echo "$LAST_OUT" | tail -5; fail=1; }
check "image holds no tests, bench or dev dependencies" 0 docker run --rm --entrypoint node "$IMAGE" -e '
  const fs = require("node:fs");
  const bad = ["/app/test", "/app/bench", "/app/src", "/app/node_modules/typescript", "/app/node_modules/eslint", "/app/node_modules/tsx", "/app/node_modules/kubernetes-models"].filter((p) => fs.existsSync(p));
  if (bad.length) { console.error("present:", bad.join(" ")); process.exit(1); }'
exit $fail
