# syntax=docker/dockerfile:1
# The connector's image: TypeScript is compiled in a build stage; the runtime stage holds only the
# compiled backend (dist/), the widget build (app/, served by the sandbox) and production
# dependencies, on a small Node 20 image, run as the unprivileged `node` user.
#
# `npm run check:docker` lints this file and replays its steps in a temp folder without Docker:
# keep RUN steps to commands that also run there, or put "check-docker: image only" in a comment
# line right above a step that only makes sense inside the image.

FROM node:20.20.2-alpine AS build
WORKDIR /src
# Dependencies first: their layer is reused until the lock file changes.
COPY package.json package-lock.json ./
RUN --mount=type=cache,target=/root/.npm npm ci --no-audit --no-fund
# The context is an allowlist (.dockerignore): sources and lock file only, never .env or data/.
COPY . .
RUN npm run build:server && npm run build:widget

FROM node:20.20.2-alpine AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
# Production dependencies only, no install scripts; npm's cache stays in a build cache, not a layer.
RUN --mount=type=cache,target=/root/.npm npm ci --omit=dev --ignore-scripts --no-audit --no-fund
COPY --from=build /src/dist ./dist
COPY --from=build /src/app ./app
# check-docker: image only (a data folder the unprivileged user owns; the emulation uses a temp folder)
RUN mkdir -p /data && chown node:node /data
ENV PORT=3000 DATA_FILE=/data/db.json
VOLUME ["/data"]
USER node
EXPOSE 3000
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 CMD ["node", "dist/server/src/healthcheck.js"]
CMD ["node", "--enable-source-maps", "dist/server/src/main.js"]
