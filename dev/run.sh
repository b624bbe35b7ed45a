#!/usr/bin/env bash
# Entry point behind `npm start` and `npm test`: provisions the tools once, then
#   start  → runs the whole system on embedded defaults (dev/start.ts)
#   start:cluster → the production topology on this machine (dev/start-cluster.ts)
#   test   → typecheck, lint, format check, then every vitest test (extra arguments go to vitest)
#   chaos  → fault and bad-input scenarios at full scale (chaos/run.ts; --target cluster: on the production topology)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

bash dev/provision.sh
# shellcheck disable=SC1091
source "${BOOKINGS_TOOLS_DIR:-$HOME/.cache/booking-payments}/env.sh"

command="${1:-}"
[[ $# -gt 0 ]] && shift

case "$command" in
  start)
    # tsx directly rather than through npx: one process layer less between Ctrl-C and the stack.
    exec "$ROOT/node_modules/.bin/tsx" dev/start.ts "$@"
    ;;
  start:cluster)
    exec "$ROOT/node_modules/.bin/tsx" dev/start-cluster.ts "$@"
    ;;
  test)
    failed=()
    echo "▶ typecheck (tsc --noEmit)"
    npx --no-install tsc -p . --noEmit || failed+=("typecheck")
    echo "▶ lint (eslint)"
    npx --no-install eslint . || failed+=("lint")
    echo "▶ format (prettier --check)"
    npx --no-install prettier --check --log-level warn . || failed+=("format")
    echo "▶ tests (vitest run)"
    npx --no-install vitest run "$@" || failed+=("tests")
    if [[ ${#failed[@]} -gt 0 ]]; then
      echo "✗ failed: ${failed[*]}" >&2
      exit 1
    fi
    echo "✓ typecheck, lint, format and tests passed"
    ;;
  chaos)
    # Fault and bad-input scenarios at full scale (chaos/run.ts); names select scenarios, --target cluster the topology.
    exec "$ROOT/node_modules/.bin/tsx" chaos/run.ts "$@"
    ;;
  *)
    echo "usage: bash dev/run.sh start|start:cluster|test|chaos [args...]" >&2
    exit 2
    ;;
esac
