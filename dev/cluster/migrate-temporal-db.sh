#!/bin/sh
# Creates Temporal's persistence and visibility databases if missing and brings their schemas up to
# the versions embedded in temporal-sql-tool (postgresql/v12). Every step is idempotent, so it runs on
# every start: docker-compose.yml's temporal-schema job (temporalio/admin-tools image) runs it, and so
# should `npm run start:cluster`, so that both migrate the same way.
#
# It reads the variables dev/cluster/config/cluster.yaml reads, with the same defaults:
# TEMPORAL_DB_HOST, TEMPORAL_DB_PORT, TEMPORAL_DB_USER, TEMPORAL_DB_PASSWORD, TEMPORAL_DB_NAME,
# TEMPORAL_VISIBILITY_DB_NAME. TEMPORAL_SQL_TOOL_PATH names the tool (default: temporal-sql-tool on
# PATH, as in the admin-tools image).
set -eu

# temporal-sql-tool takes its connection from these variables (see its --help).
export SQL_PLUGIN=postgres12
export SQL_HOST="${TEMPORAL_DB_HOST:-127.0.0.1}"
export SQL_PORT="${TEMPORAL_DB_PORT:-5432}"
export SQL_USER="${TEMPORAL_DB_USER:-temporal}"
export SQL_PASSWORD="${TEMPORAL_DB_PASSWORD:-}"
tool="${TEMPORAL_SQL_TOOL_PATH:-temporal-sql-tool}"

# $1: database, $2: its schema (temporal or visibility).
migrate() {
  "$tool" --db "$1" create-database
  "$tool" --db "$1" setup-schema -v 0.0
  "$tool" --db "$1" update-schema --schema-name "postgresql/v12/$2"
}

migrate "${TEMPORAL_DB_NAME:-temporal}" temporal
migrate "${TEMPORAL_VISIBILITY_DB_NAME:-temporal_visibility}" visibility
echo "Temporal databases migrated on $SQL_HOST:$SQL_PORT"
