#!/bin/sh
# Generates text for a prompt (pretend): deterministic in prompt and temperature.
set -eu
prompt="$REPRISE_INPUT_PROMPT"
temperature="$REPRISE_INPUT_TEMPERATURE"
echo "model=tiny-llm-1b temperature=${temperature}"
echo "prompt: ${prompt}"
sleep 0.3
case "$temperature" in
  0|0.0*|0.1*|0.2*|0.3*) text="Failed once, then passed. / The same inputs, again. / Green at last, at dawn." ;;
  1*|2*) text="Lightning tries the door / thrice the kettle sings of rust / the moon says: replay" ;;
  *) text="Step three fails at night / a button, a second try / morning finds it green" ;;
esac
echo "---"
echo "$text"
echo "---"
words=$(printf '%s' "$text" | wc -w | tr -d ' ')
printf '{"text":"%s","tokens":%s}\n' "$text" "$((words * 4 / 3))" > "$REPRISE_OUTPUTS"
