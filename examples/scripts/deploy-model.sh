#!/bin/sh
# Deploys the model behind an inference endpoint (pretend). Only the v1 API
# exists: an endpoint that does not end in /v1/predict fails with a 404.
set -eu
endpoint="$REPRISE_INPUT_ENDPOINT"
echo "Uploading ${REPRISE_INPUT_MODEL}"
sleep 0.3
echo "Registering model with ${endpoint} (${REPRISE_INPUT_REPLICAS:-1} replicas)"
sleep 0.2
case "$endpoint" in
  */v1/predict) ;;
  *)
    echo "hint: the v0 API was retired on 2026-10-01" >&2
    printf '\033[31merror: POST %s returned 404 Not Found (did you mean .../v1/predict?)\033[0m\n' "$endpoint" >&2
    exit 1
    ;;
esac
echo "Endpoint healthy: 200 OK in 41ms"
printf '{"url":"%s","version":"2026-11-23"}\n' "$endpoint" > "$REPRISE_OUTPUTS"
