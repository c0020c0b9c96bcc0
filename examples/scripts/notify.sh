#!/bin/sh
# Posts a message to the team channel (pretend).
set -eu
sleep 0.1
echo "Posting to ${REPRISE_INPUT_CHANNEL}: ${REPRISE_INPUT_MESSAGE}"
echo "ok"
