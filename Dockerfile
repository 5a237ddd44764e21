# One image for both roles of a shared queue: `npm start` (a front-end: adapters, no model) and `npx dimoo worker`
# (one GPU worker). BASE must provide Node 20 (and, for a CUDA worker, the CUDA 12 and cuDNN 9 runtime libraries);
# ORT_CUDA=1 downloads onnxruntime-node's CUDA provider at build time (needs internet), as README's GPU section says.
ARG BASE=node:20-bookworm
FROM ${BASE}
ARG ORT_CUDA=0
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm install -g npm@11 && ONNXRUNTIME_NODE_INSTALL=skip npm ci --no-audit --no-fund \
  && if [ "$ORT_CUDA" = "1" ]; then ONNXRUNTIME_NODE_INSTALL=1 node node_modules/onnxruntime-node/script/install.js; fi
COPY . .
ENV DATA_DIR=/data
CMD ["npm", "start"]
