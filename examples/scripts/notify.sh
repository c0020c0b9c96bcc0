#!/bin/sh
# Posts a message to the team channel (pretend), with the webhook token it
# was given as a secret input: the log shows the token as ••••.
set -eu
sleep 0.1
token="${REPRISE_INPUT_WEBHOOK_TOKEN:-}"
echo "Posting to ${REPRISE_INPUT_CHANNEL}: ${REPRISE_INPUT_MESSAGE}"
echo "Authorization: Bearer ${token}"
# What the step received, without repeating it: its length.
printf '{"delivered": true, "token_length": %d}\n' "${#token}" > "$REPRISE_OUTPUTS"
echo "ok"
