# syntax=docker/dockerfile:1
# Hook server image for the nephoran CNFDeployment composite controller.
#
# There is no build step: Node 26 runs the .ts sources directly (type stripping), so the image only
# needs the production dependencies and the runtime sources. Keep NODE_MAJOR equal to the major in
# package.json "engines" (tests/unit/packaging.test.ts checks it). For reproducible builds, pin the
# base by digest, e.g. --build-arg NODE_IMAGE=node:26-trixie-slim@sha256:<digest>.
ARG NODE_IMAGE=node:26-trixie-slim

# ---- deps: production dependencies, exactly as locked -------------------------------------------
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
# --omit=dev drops jest, eslint, typescript and the `node` npm package (the base image has Node).
# --ignore-scripts: no runtime dependency needs an install script, and none should run at build.
RUN --mount=type=cache,target=/root/.npm \
    npm ci --omit=dev --ignore-scripts --no-audit --no-fund

# ---- runtime ------------------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS runtime
# tini is PID 1: it forwards SIGTERM to node and reaps zombies, so graceful shutdown works.
RUN apt-get update \
    && apt-get install -y --no-install-recommends tini \
    && rm -rf /var/lib/apt/lists/* \
    # npm, npx and corepack are not used at runtime; removing them shrinks the attack surface.
    && rm -rf /usr/local/lib/node_modules/npm /usr/local/lib/node_modules/corepack \
              /usr/local/bin/npm /usr/local/bin/npx /usr/local/bin/corepack
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY package.json package-lock.json ./
COPY hooks/ ./hooks/
COPY lib/ ./lib/
# The request validator may compile the CRD's openAPIV3Schema at boot.
COPY manifests/crd/ ./manifests/crd/
# Numeric UID/GID so the kubelet can verify runAsNonRoot without /etc/passwd.
USER 65532:65532
EXPOSE 8080
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["node", "hooks/server.ts"]
