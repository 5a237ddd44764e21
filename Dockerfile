# One image for both roles of a shared queue: `npm start` (a front-end: adapters, no model) and `npx dimoo worker`
# (one GPU worker). BASE must provide Node 20 (and, for a CUDA worker, the CUDA 13 runtime, cuBLAS, cuRAND and cuDNN 9);
# ORT_CUDA=1 runs `dimoo gpu-setup` at build time: the CUDA provider from the npm registry, as README's GPU section
# says (the path the GPU figures were measured on), and a build that fails, listing them, when BASE lacks a library.
ARG BASE=node:20-bookworm
FROM ${BASE}
ARG ORT_CUDA=0
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm install -g npm@11 && ONNXRUNTIME_NODE_INSTALL=skip npm ci --no-audit --no-fund
# .dockerignore keeps .env, logs, local data and build output out of this layer.
COPY . .
# The CLI bundle (bin/cli-bundle.js) is built now, as root, since /app stays read-only to the bot's user. The bot
# runs as `node` (the Node images' uid 1000; made here when a CUDA BASE lacks it) and owns only DATA_DIR: a named
# volume mounted there starts with that ownership. MODEL_DIR is only read (mount it read-only).
RUN node --input-type=module -e "await (await import('./bin/cli-bundle.js')).buildBundle()" \
  && if [ "$ORT_CUDA" = "1" ]; then node bin/dimoo.js gpu-setup --cache /tmp/dimoo-gpu && rm -rf /tmp/dimoo-gpu; fi \
  && (id -u node >/dev/null 2>&1 || useradd --create-home --shell /bin/sh node) \
  && mkdir -p /data && chown node:node /data
# METRICS_PORT is set so that the HEALTHCHECK has a /healthz to call (on loopback unless METRICS_HOST says more).
ENV DATA_DIR=/data METRICS_PORT=9464
USER node
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 CMD ["node", "/app/src/ops/healthcheck.mjs"]
# node itself, not npm, as the container's process: SIGTERM reaches the bot's own shutdown (SHUTDOWN_GRACE_S).
CMD ["node", "--import", "tsx", "src/main.ts"]
