#!/bin/sh
# Runs the test suite against the built image (pretend).
set -eu
echo "Testing ${REPRISE_INPUT_IMAGE}"
echo ""
echo " RUN  v3.2.4 /app"
sleep 0.3
printf ' \033[32m✓\033[0m src/cart.test.ts (24 tests) 312ms\n'
printf ' \033[32m✓\033[0m src/checkout.test.ts (41 tests) 688ms\n'
sleep 0.2
printf ' \033[32m✓\033[0m src/payments.test.ts (18 tests) 251ms\n'
echo ""
echo " Test Files  3 passed (3)"
echo "      Tests  83 passed (83)"
printf '{"tests":83,"failed":0}\n' > "$REPRISE_OUTPUTS"
