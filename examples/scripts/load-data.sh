#!/bin/sh
# Loads the training data set (pretend).
set -eu
echo "Reading ${REPRISE_INPUT_DATASET}"
sleep 0.2
echo "  part-00000.parquet  41,233 rows"
echo "  part-00001.parquet  40,918 rows"
sleep 0.2
echo "  part-00002.parquet  39,871 rows"
echo "Dropped 214 rows with empty text" >&2
echo "Loaded 121,808 rows"
printf '{"rows":121808,"path":"/tmp/reviews.parquet"}\n' > "$REPRISE_OUTPUTS"
