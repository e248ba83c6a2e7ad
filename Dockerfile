# Centinela container image.
#   docker build -t centinela .
#   docker run -p 3000:3000 -e DATABASE_URL=... -e SESSION_SECRET=... centinela
# Without DATABASE_URL the container uses the embedded database in the /app/data volume.
# Migrations are applied by the app itself at start (prisma/migrations is copied in).

# ---- build: all dependencies, Prisma client generation, TypeScript → dist/ ----
FROM node:20-bookworm-slim AS build
WORKDIR /app
ENV PRISMA_HIDE_UPDATE_MESSAGE=1 \
    CHECKPOINT_DISABLE=1 \
    PRISMA_TELEMETRY_DISABLE=1
# The postinstall script (scripts/prisma-generate.mjs) runs `prisma generate`, which reads
# prisma.config.ts and prisma/schema.prisma: both must be here before `npm ci`.
COPY package.json package-lock.json prisma.config.ts tsconfig.json tsconfig.build.json ./
COPY prisma ./prisma
COPY scripts ./scripts
RUN npm ci --no-audit --no-fund
COPY . .
# Regenerates the Prisma client if needed and compiles src/ and scripts/ into dist/.
RUN npm run build

# ---- deps: production dependencies only ----
# --ignore-scripts: the client is already generated and compiled into dist/src/generated
# (scripts/prisma-generate.mjs is not needed here), and argon2 loads its bundled prebuilt binary.
FROM node:20-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force

# ---- runtime ----
FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production \
    PORT=3000 \
    HOST=0.0.0.0 \
    DATA_DIR=/app/data \
    UPLOAD_DIR=/app/uploads
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/views ./views
COPY --from=build /app/locales ./locales
COPY --from=build /app/public ./public
COPY --from=build /app/prisma ./prisma
COPY --from=build /app/package.json ./package.json
# Writable only where the app writes: the embedded database / session secret, and attachments.
RUN mkdir -p /app/data /app/uploads && chown node:node /app/data /app/uploads
USER node
VOLUME ["/app/data", "/app/uploads"]
EXPOSE 3000
# No curl in the slim image: Node's own fetch asks the liveness endpoint.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# The options of `npm start` (README, "Memory: the start options"): the heap may grow to 1.5 times
# what is live, not four; WebAssembly on the baseline compiler only. Together about 150 MiB less
# RSS under load. The allocator setting returns each password hash's 19 MiB to the system at once
# (glibc otherwise keeps it per thread after the first one freed).
ENV MALLOC_MMAP_THRESHOLD_=1048576
CMD ["node", "--enable-source-maps", "--liftoff-only", "--heap-growing-percent=50", "dist/src/server.js"]
