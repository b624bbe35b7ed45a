#!/usr/bin/env bash
# Whether a checkout's node_modules matches its package-lock.json, judged by content, not dates:
# a successful `npm ci` records the lockfile's sha256 in node_modules/.lock-hash, and node_modules is
# stale when that record is missing or differs (a `git checkout` or `touch` that leaves the lockfile's
# content alone changes nothing).
#
#   node-modules-state.sh ROOT           prints one word: fresh | stale | unrecorded | symlink
#   node-modules-state.sh --record ROOT  records ROOT/package-lock.json's hash (after `npm ci`)
#
# "symlink": node_modules points at another checkout's (a git worktree sharing main's). It is never
# installed into from here, since `npm ci` would empty the other checkout's copy first.
# "unrecorded": installed before hashes were recorded, and npm's own record of that install is newer
# than the lockfile (the date rule provisioning used then): provisioning records the hash once rather
# than reinstalling under the worktrees that may share this node_modules.
set -euo pipefail

record=false
if [[ "${1:-}" == "--record" ]]; then
  record=true
  shift
fi
root="${1:?usage: node-modules-state.sh [--record] ROOT}"
lockfile="$root/package-lock.json"
modules="$root/node_modules"
stamp="$modules/.lock-hash"

lock_hash() { sha256sum "$lockfile" | cut -d' ' -f1; }

if $record; then
  [[ -L "$modules" ]] && {
    echo "node-modules-state: $modules is a symlink; not recording into another checkout" >&2
    exit 1
  }
  lock_hash >"$stamp.tmp"
  mv -f "$stamp.tmp" "$stamp"
  exit 0
fi

if [[ -L "$modules" ]]; then
  echo symlink
elif [[ -d "$modules" && -f "$stamp" && -f "$lockfile" && "$(cat "$stamp")" == "$(lock_hash)" ]]; then
  echo fresh
elif [[ -d "$modules" && ! -f "$stamp" && -f "$lockfile" && -f "$modules/.package-lock.json" &&
  ! "$lockfile" -nt "$modules/.package-lock.json" ]]; then
  echo unrecorded
else
  echo stale
fi
