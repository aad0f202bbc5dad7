# gateway-doctor's Job image: the esbuild bundle of packages/job on a slim Node 20 base.
# Build: docker build -t gateway-doctor:0.1.0 .   (not buildable in this repo's CI: no Docker engine there)

FROM node:20-bookworm-slim AS build
WORKDIR /src
RUN npm install -g pnpm@10.34.9
COPY pnpm-lock.yaml pnpm-workspace.yaml package.json ./
COPY packages/core/package.json packages/core/
COPY packages/cli/package.json packages/cli/
COPY packages/job/package.json packages/job/
COPY test/package.json test/
RUN pnpm install --frozen-lockfile --filter @gateway-doctor/job... --filter gateway-doctor
COPY tsconfig.base.json ./
COPY packages/core packages/core
COPY packages/job packages/job
RUN pnpm --filter @gateway-doctor/job build

FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
# The bundle and its lazily loaded chunks (one per AWS service client): nothing else is needed at run time.
COPY --from=build --chown=65532:65532 /src/packages/job/dist/ /app/
# Matches the manifests' runAsUser/runAsGroup; the root filesystem can be read-only (only /tmp is written).
USER 65532:65532
ENTRYPOINT ["node", "/app/main.mjs"]
