#!/bin/sh
# Builds the release image (pretend): prints docker-like progress, outputs the image.
set -eu
version="${REPRISE_INPUT_VERSION:-0.0.0}"
image="registry.local/shop:${version}"
echo "Sending build context to Docker daemon  48.2MB"
echo "Step 1/7 : FROM node:20-alpine"
echo " ---> 6f1a2c7d9e3b"
sleep 0.2
echo "Step 2/7 : WORKDIR /app"
echo "Step 3/7 : COPY package*.json ./"
echo "Step 4/7 : RUN npm ci --omit=dev"
sleep 0.3
echo "npm warn deprecated inflight@1.0.6: This module is not supported" >&2
echo "added 312 packages in 4.1s"
echo "Step 5/7 : COPY . ."
echo "Step 6/7 : RUN npm run build"
sleep 0.2
echo "Step 7/7 : CMD [\"node\", \"server.js\"]"
printf '\033[32mSuccessfully built 9c4e1b7a2f60\033[0m\n'
echo "Successfully tagged ${image}"
printf '{"image":"%s","digest":"sha256:9c4e1b7a2f60d1e3b5a7c9e1f3a5b7d9c1e3f5a7b9d1e3f5a7c9e1b3d5f7a9c1"}\n' "$image" > "$REPRISE_OUTPUTS"
