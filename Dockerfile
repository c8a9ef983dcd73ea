# syntax=docker/dockerfile:1.7
# Standby: one image, two process roles (ROLE=web | worker). Node 24 LTS.

FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --ignore-scripts
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

FROM node:24-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund --ignore-scripts && npm cache clean --force

FROM node:24-bookworm-slim AS runtime
ENV NODE_ENV=production \
    PORT=8080 \
    ROLE=web
WORKDIR /app
COPY --from=deps --chown=node:node /app/node_modules ./node_modules
COPY --from=build --chown=node:node /app/dist ./dist
COPY --chown=node:node package.json ./
COPY --chown=node:node migrations ./migrations
USER node
EXPOSE 8080
# The process applies pending migrations (under an advisory lock, safe with many machines) and
# then starts the role named by ROLE. SIGTERM/SIGINT finish in-flight requests and jobs first.
CMD ["node", "--enable-source-maps", "dist/src/main.js"]
