# syntax=docker/dockerfile:1
#
# One image for every CMF component; the command picks which (scripts/docker-entrypoint.sh):
#   docker build -t cmf .
#   docker run -p 8088:8088 cmf                                   # all-in-one, in-memory bus
#   docker run -e KAFKA_BROKERS=kafka:9092 cmf gateway            # or worker, admin-api,
#                                                                 # all-in-one, client-simulator
# Stages: `build` compiles everything with dev dependencies; `deps` installs production
# dependencies only and receives the compiled output; `runtime` is that tree on a clean Alpine
# Node LTS, run as an unprivileged user.

ARG NODE_IMAGE=node:24-alpine

# ---- build: TypeScript and the simulator page, with dev dependencies ----
FROM ${NODE_IMAGE} AS build
WORKDIR /app
# Manifests first, so the dependency layer is reused until a manifest or the lockfile changes.
COPY package.json package-lock.json ./
COPY shared/package.json shared/
COPY gateway/package.json gateway/
COPY worker/package.json worker/
COPY admin-api/package.json admin-api/
COPY all-in-one/package.json all-in-one/
COPY client-simulator/package.json client-simulator/
RUN npm ci --no-audit --no-fund
COPY tsconfig.base.json tsconfig.json ./
COPY shared/ shared/
COPY gateway/ gateway/
COPY worker/ worker/
COPY admin-api/ admin-api/
COPY all-in-one/ all-in-one/
COPY client-simulator/ client-simulator/
RUN npm run build

# ---- deps: production dependencies only, plus the compiled output ----
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
# A native addon (bufferutil) may need compiling on musl; the tools stay in this stage.
RUN apk add --no-cache python3 make g++
COPY --from=build /app/package.json /app/package-lock.json ./
COPY --from=build /app/shared/package.json shared/
COPY --from=build /app/gateway/package.json gateway/
COPY --from=build /app/worker/package.json worker/
COPY --from=build /app/admin-api/package.json admin-api/
COPY --from=build /app/all-in-one/package.json all-in-one/
COPY --from=build /app/client-simulator/package.json client-simulator/
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/shared/dist shared/dist
COPY --from=build /app/gateway/dist gateway/dist
COPY --from=build /app/worker/dist worker/dist
COPY --from=build /app/admin-api/dist admin-api/dist
COPY --from=build /app/all-in-one/dist all-in-one/dist
COPY --from=build /app/client-simulator/dist client-simulator/dist
COPY scripts/docker-entrypoint.sh scripts/serve-simulator.js scripts/

# ---- runtime ----
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY --from=deps /app /app
# The image's `node` user, by number, so Kubernetes can verify runAsNonRoot. Nothing is
# written at run time: the root filesystem can be mounted read-only.
USER 1000:1000
EXPOSE 8088 8089
# Liveness of whichever component runs: PORT answers on gateway, worker, all-in-one and
# simulator; ADMIN_PORT on the standalone admin API.
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD wget -q -O /dev/null "http://127.0.0.1:${PORT:-8088}/health" \
   || wget -q -O /dev/null "http://127.0.0.1:${ADMIN_PORT:-8089}/health" \
   || exit 1
ENTRYPOINT ["/app/scripts/docker-entrypoint.sh"]
CMD ["all-in-one"]
