#!/bin/sh
# Runs temporal-server with its arguments unchanged, after filling in the membership broadcast address
# where only the machine itself can know it: a service bound to every interface
# (TEMPORAL_BIND_ON_IP=0.0.0.0, as in a container) must tell its peers one address they can reach,
# and Temporal accepts only an IP there. It is the address the host name ($HOSTNAME, which Docker
# sets to the container's) resolves to, as the temporalio/server image's own entrypoint finds it.
# docker-compose.yml starts each Temporal service through this script, e.g.
#   sh dev/cluster/temporal-server.sh --root . --config dev/cluster/config --env cluster --allow-no-auth start --service history
# TEMPORAL_SERVER_PATH names the binary (default: temporal-server on PATH, as in the image).
set -eu

case "${TEMPORAL_BIND_ON_IP:-}" in
  0.0.0.0 | ::0 | ::)
    if [ -z "${TEMPORAL_BROADCAST_ADDRESS:-}" ]; then
      host="${HOSTNAME:-$(hostname)}"
      TEMPORAL_BROADCAST_ADDRESS="$(getent hosts "$host" | awk '{ print $1; exit }')"
      if [ -z "$TEMPORAL_BROADCAST_ADDRESS" ]; then
        echo "temporal-server.sh: cannot resolve host name $host to the address peers should use; set TEMPORAL_BROADCAST_ADDRESS" >&2
        exit 1
      fi
      export TEMPORAL_BROADCAST_ADDRESS
    fi
    ;;
esac

exec "${TEMPORAL_SERVER_PATH:-temporal-server}" "$@"
