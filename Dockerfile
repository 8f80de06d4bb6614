# syntax=docker/dockerfile:1
# One image per service, chosen at build time:
#   docker build --build-arg SERVICE=department -t backend-department .
# The service runs as one bundled ES module, services/<SERVICE>/dist/main.mjs, built by
# scripts/build.ts with esbuild (ready sooner, less memory than ~940 modules; docs/BENCHMARKS.md).
# The image otherwise holds the repository layout under /app with production dependencies only:
# the migration Job runs common/src/database/migrate-cli.ts from the sources (Node 24 strips the
# types), and the bundle finds the few files it reads at run time (proto/, grpc-js's .proto
# files) where they are in the repository.
#
# The two build stages run on the build machine's own platform: what they produce (production
# node_modules, in which no package has native code or a platform of its own, a test checks; the
# bundle) is the same for every platform. Built for arm64 on an amd64 runner, only the last
# stage's compile-cache step runs under emulation: that cache is V8's code for the target.
#
# BASE_IMAGE is the Node image both ends start from. Where it cannot be pulled (no registry),
# scripts/build-base-image.sh assembles the same from Debian's packages and prints its name:
#   podman build --pull=never --build-arg BASE_IMAGE="$(scripts/build-base-image.sh)" ...
# Behind a TLS-intercepting proxy, pass the build host's CA bundle as the secret `ca`:
#   docker build --secret id=ca,src=/etc/ssl/certs/ca-certificates.crt ...
# Only the steps that run npm mount it (NODE_EXTRA_CA_CERTS); it is never written to a layer.
ARG BASE_IMAGE=node:24.21.0-trixie-slim

FROM --platform=$BUILDPLATFORM ${BASE_IMAGE} AS dependencies
ARG SERVICE
WORKDIR /app
# Manifests only, so this layer is rebuilt only when dependencies change. All workspace
# manifests are needed for `npm ci` to accept the lockfile; only SERVICE's dependencies
# (and @backend/common's) are installed.
COPY package.json package-lock.json ./
COPY common/package.json common/
COPY services/department/package.json services/department/
COPY services/user/package.json services/user/
COPY services/point/package.json services/point/
RUN test -f "services/${SERVICE}/package.json" \
    || { echo "build with --build-arg SERVICE=department|user|point" >&2; exit 1; }
# --ignore-scripts: no dependency of the services needs an install script (no native addons).
RUN --mount=type=cache,target=/root/.npm --mount=type=secret,id=ca \
    if [ -s /run/secrets/ca ]; then export NODE_EXTRA_CA_CERTS=/run/secrets/ca; fi \
    && npm ci --omit=dev --ignore-scripts --no-audit --no-fund --workspace "@backend/${SERVICE}"

# The bundle. esbuild, the one build tool, is installed on its own, so the node_modules copied
# into the runtime stage stay production-only; its version is the lockfile's (a test checks).
FROM dependencies AS bundle
ARG SERVICE
RUN --mount=type=cache,target=/root/.npm --mount=type=secret,id=ca \
    if [ -s /run/secrets/ca ]; then export NODE_EXTRA_CA_CERTS=/run/secrets/ca; fi \
    && npm install --prefix /opt/esbuild --no-save --ignore-scripts --no-audit --no-fund \
      esbuild@0.28.2 \
    && ln -s /opt/esbuild/node_modules/esbuild node_modules/esbuild
COPY proto ./proto
COPY common ./common
COPY services/${SERVICE} ./services/${SERVICE}
COPY scripts/build.ts ./scripts/
RUN node scripts/build.ts "${SERVICE}"

FROM ${BASE_IMAGE}
ARG SERVICE
ENV NODE_ENV=production \
    SERVICE=${SERVICE}
WORKDIR /app
# Everything is owned by root and read-only for the process (uid 1000, `node`): the pod also
# mounts the root filesystem read-only, and the only writable path is the /tmp emptyDir.
COPY --from=dependencies /app ./
COPY proto ./proto
COPY common ./common
COPY services/${SERVICE} ./services/${SERVICE}
COPY --from=bundle /app/services/${SERVICE}/dist ./services/${SERVICE}/dist
# Node's compile cache, filled now: a start skips most compilation (sooner ready, less memory;
# docs/BENCHMARKS.md). Node keys the cache by uid, so it is filled as 1000, the uid the charts
# run as, then handed back to root like everything else.
ENV NODE_COMPILE_CACHE=/app/.node-compile-cache
COPY scripts/warm-compile-cache.ts ./scripts/
RUN mkdir .node-compile-cache && chown 1000:1000 .node-compile-cache
USER 1000:1000
RUN node scripts/warm-compile-cache.ts "${SERVICE}"
USER 0:0
RUN chown -R 0:0 .node-compile-cache
USER 1000:1000
EXPOSE 8081 8082 8083 50051
# No init process (tini): the service handles SIGTERM/SIGINT itself (drain, bounded shutdown)
# and starts no child processes, so there are no zombies to reap. `exec` makes node PID 1.
# Kubernetes runs the command and args from the chart; this CMD serves `docker run`.
CMD ["sh", "-c", "exec node \"services/${SERVICE}/dist/main.mjs\""]
