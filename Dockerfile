# One image for the API, the worker and the Stripe emulator, one command each (docker-compose.yml):
#   node --import tsx api/main.ts | worker/main.ts | emulator/main.ts
# TypeScript runs through tsx, a runtime dependency, so there is no build step.
FROM node:20-bookworm-slim

WORKDIR /app
ENV NODE_ENV=production \
    NPM_CONFIG_UPDATE_NOTIFIER=false \
    NPM_CONFIG_FUND=false \
    NPM_CONFIG_AUDIT=false

# Exactly the lockfile's runtime dependencies. Install scripts are off for all of them; then only the
# packages package.json's allowScripts approves run theirs (the npm of this image would otherwise run
# every dependency's, whatever allowScripts says).
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts \
    && allowed="$(node -p "Object.entries(require('./package.json').allowScripts ?? {}).filter(([, allowed]) => allowed === true).map(([name]) => name.replace(/(?<=.)@.*/, '')).join(' ')")" \
    && if [ -n "$allowed" ]; then npm rebuild $allowed; fi \
    && npm cache clean --force

# The code stays owned by root: the processes can read it, not change it. The one writable place is
# the emulator's state directory (a volume in docker-compose.yml).
COPY . .
RUN install -d -o node -g node /var/lib/booking-payments

# The `node` user of the base image (uid 1000), by number so that runAsNonRoot can check it.
USER 1000:1000

EXPOSE 3000
CMD ["node", "--import", "tsx", "api/main.ts"]
