# Image for the API and the worker (one image, two commands; see docker-compose.yml).
# TypeScript runs through tsx, a runtime dependency, so no build step is needed.
FROM node:20-bookworm-slim

WORKDIR /app
ENV NODE_ENV=production \
    NPM_CONFIG_UPDATE_NOTIFIER=false

COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

COPY . .
RUN chown -R node:node /app
USER node

# The worker overrides this with `npx tsx worker/main.ts`.
EXPOSE 3000
CMD ["npx", "tsx", "api/main.ts"]
