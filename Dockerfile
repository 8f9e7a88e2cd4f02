# syntax=docker/dockerfile:1
# error-tracker: one process, SQLite in /data. Build: docker build -t error-tracker .
# Run:   docker run -d --restart unless-stopped -p 5010:5010 -v error-tracker-data:/data error-tracker
#        (the generated operator key: docker exec <container> cat /data/api-key; README, Running in production)
# The restart policy is what brings it back after a crash: the service exits 1 on a bug (it does not
# limp on), and Docker does not restart a container for failing its HEALTHCHECK.

# --- build: compile TypeScript and the better-sqlite3 native addon -------------------------------
# Node 24: the maintained LTS line, the runtime package.json's engines names.
FROM node:24-bookworm-slim AS build
WORKDIR /app
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
# Without scripts: the package's own `prepare` would compile src/, which is not copied yet (this layer
# stays cached while only sources change); then better-sqlite3's install script builds the addon.
RUN npm ci --no-audit --no-fund --ignore-scripts \
 && npm rebuild better-sqlite3
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build && npm prune --omit=dev

# --- runtime: no compiler, no dev dependencies, not root ------------------------------------------
FROM node:24-bookworm-slim
ENV NODE_ENV=production \
    DATABASE_PATH=/data/errors.db \
    PORT=5010 \
    HOST=0.0.0.0
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY migrations ./migrations
COPY web ./web
# The image's built-in unprivileged "node" user (uid 1000) owns the data directory. A bind mount keeps
# its host owner: chown it to 1000:1000, or run with --user <its uid>:<gid> (the service says so if not).
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME ["/data"]
EXPOSE 5010
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||5010)+'/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
# node directly (not npm): it receives SIGTERM and shuts down gracefully within 8 s, under
# `docker stop`'s default 10 s before SIGKILL.
STOPSIGNAL SIGTERM
CMD ["node", "dist/server.js"]
