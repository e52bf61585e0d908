# regsync's image: the CLI, the docker CLI for the docker executor, schemas/. Run as the original tool's image was:
#
#   docker run --rm -v ~/.docker:/root/.docker:ro -v /var/run/docker.sock:/var/run/docker.sock:ro \
#     -v "$PWD:/work:ro" regsync apply --yes
#
# The container starts as root and the entrypoint (scripts/docker-entrypoint.mjs) keeps root only when a Docker
# socket is mounted (the socket belongs to root; the docker executor needs it). Without one it drops to the
# unprivileged `node` user (uid 1000) before regsync loads: enough for the registry executor.
#
# Build where Docker Hub and the npm registry are reachable:
#   docker build -t regsync .
# Base images are build arguments, so a machine without Docker Hub builds against bases it makes itself from
# its own node and docker binaries: `npm run image` (scripts/docker-image.sh) does that, fully offline, with
# the host's node_modules passed in as DEPS_ARCHIVE. Only the legacy builder is assumed (no RUN --mount).
ARG NODE_IMAGE=node:20-bookworm
ARG NODE_SLIM_IMAGE=node:20-bookworm-slim
ARG DOCKER_CLI_IMAGE=docker:cli

# The docker CLI: a static binary at /usr/local/bin/docker in the docker:cli image (and in the local base).
FROM ${DOCKER_CLI_IMAGE} AS docker-cli

FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
# Defaults to package.json (copied again, a no-op) so the normal build needs no archive.
ARG DEPS_ARCHIVE=package.json
ADD ${DEPS_ARCHIVE} ./
RUN [ -d node_modules ] || npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY schemas ./schemas
COPY scripts/build.mjs scripts/build-config-validator.mjs scripts/build-code-cache.mjs ./scripts/
# The build's last step plans the quickstart once, so the image ships V8's code cache of the program.
COPY examples/quickstart ./examples/quickstart
# Only runtime dependencies go on to the final stage; prune works from the lockfile, offline.
# --omit=optional too: typescript (23 MB) is also cosmiconfig's optional peer ("devOptional"), which
# --omit=dev alone keeps; regsync loads no .ts config, and every optional package in the lock is dev-only.
# node, not chmod/ln: the bases need no coreutils (the local ones have only node, npm and sh).
RUN npm run build && node -e "require('node:fs').chmodSync('dist/cli.js', 0o755)" \
  && npm prune --omit=dev --omit=optional --ignore-scripts --no-audit --no-fund

FROM ${NODE_SLIM_IMAGE}
# scripts/docker-image.sh passes package.json's version, the git commit and the build time.
ARG VERSION=dev
ARG REVISION=
ARG CREATED=
ARG SOURCE_URL=
LABEL org.opencontainers.image.title="regsync" \
  org.opencontainers.image.description="Mirror container images between registries from a config file you review like code: plan, then apply." \
  org.opencontainers.image.version="${VERSION}" \
  org.opencontainers.image.revision="${REVISION}" \
  org.opencontainers.image.created="${CREATED}" \
  org.opencontainers.image.licenses="MIT" \
  org.opencontainers.image.source="${SOURCE_URL}"
ENV NODE_ENV=production
COPY --from=docker-cli /usr/local/bin/docker /usr/local/bin/docker
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/schemas ./schemas
COPY scripts/docker-entrypoint.mjs ./docker-entrypoint.mjs
# /root is made traversable (not listable) so that, after the drop to `node`, ~/.docker mounted at /root/.docker
# (the original tool's form) is still read when no socket is mounted.
RUN node -e "const fs = require('node:fs'); fs.chmodSync('/app/docker-entrypoint.mjs', 0o755); fs.symlinkSync('/app/docker-entrypoint.mjs', '/usr/local/bin/regsync'); fs.mkdirSync('/work', { recursive: true }); fs.mkdirSync('/root', { recursive: true, mode: 0o711 }); fs.chmodSync('/root', 0o711)"
# The mounted config lives here: `regsync plan` finds ./regsync.yaml without -c.
WORKDIR /work
# No USER: the entrypoint decides (root with a mounted Docker socket, else the images' `node` user, uid 1000).
ENTRYPOINT ["regsync"]
CMD ["--help"]
