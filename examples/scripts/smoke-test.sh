#!/bin/sh
# Sends a few predictions to the deployed endpoint (pretend).
set -eu
echo "Smoke testing ${REPRISE_INPUT_URL}"
sleep 0.2
echo "  'great product, fast delivery' -> positive (0.97)"
echo "  'arrived broken' -> negative (0.93)"
sleep 0.1
echo "2 of 2 predictions as expected"
printf '{"passed":2}\n' > "$REPRISE_OUTPUTS"
