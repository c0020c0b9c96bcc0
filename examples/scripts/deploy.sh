#!/bin/sh
# Rolls the image out to a cluster (pretend). On staging the first attempt of
# each run fails with a transient-looking error, so the demo has something to
# retry: the retry is attempt 2 and succeeds.
set -eu
cluster="${CLUSTER:-unknown}"
echo "Deploying ${REPRISE_INPUT_IMAGE} to ${cluster} (${REPRISE_INPUT_REGION:-default}), ${REPRISE_INPUT_REPLICAS} replicas"
echo "deployment.apps/shop configured"
sleep 0.3
echo "Waiting for deployment \"shop\" rollout to finish: 0 of ${REPRISE_INPUT_REPLICAS} updated replicas are available..."
sleep 0.4
if [ "$cluster" = "staging-eu" ] && [ "$REPRISE_ATTEMPT" = "1" ]; then
  echo "rollout status failed after 0.7s" >&2
  printf '\033[31merror: timed out waiting for the condition: read tcp 10.4.0.17:52814->10.4.0.2:443: connection reset by peer\033[0m\n' >&2
  exit 75
fi
echo "Waiting for deployment \"shop\" rollout to finish: ${REPRISE_INPUT_REPLICAS} of ${REPRISE_INPUT_REPLICAS} updated replicas are available..."
printf '\033[32mdeployment "shop" successfully rolled out\033[0m\n'
printf '{"url":"https://%s.shop.internal","replicas":%s}\n' "$cluster" "$REPRISE_INPUT_REPLICAS" > "$REPRISE_OUTPUTS"
