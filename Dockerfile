# Draft image for regsync (finished in the shipping issue).
#
# Normal build (CI, any machine with Docker Hub and the npm registry):
#   docker build -t regsync .
# Without Docker Hub, as on the lab machines: pass a local Node 20 image as NODE_IMAGE; `npm ci` then
# reaches the npm registry through the host network:
#   docker build --network host --build-arg NODE_IMAGE=regsync-local-node:20 -t regsync .
# Fully offline: pack the host's node_modules (from `npm ci`) and pass it as DEPS_ARCHIVE; ADD unpacks it
# and `npm ci` is skipped:
#   tar -czf .docker-deps.tgz node_modules
#   docker build --network none --build-arg NODE_IMAGE=... --build-arg DEPS_ARCHIVE=.docker-deps.tgz -t regsync .
# scripts/docker-build-check.sh does all of it (private dockerd, local base image, build, run checks).
ARG NODE_IMAGE=node:20-alpine

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
# Only runtime dependencies go on to the final stage; prune works from the lockfile, offline.
# --omit=optional too: typescript (23 MB) is also cosmiconfig's optional peer ("devOptional"), which
# --omit=dev alone keeps; regsync loads no .ts config, and every optional package in the lock is dev-only.
RUN npm run build && npm prune --omit=dev --omit=optional --ignore-scripts --no-audit --no-fund

FROM ${NODE_IMAGE}
WORKDIR /app
ENV NODE_ENV=production
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/schemas ./schemas
# The official node images (and the lab's local one) have this unprivileged user.
USER node
ENTRYPOINT ["node", "/app/dist/cli.js"]
CMD ["--help"]
