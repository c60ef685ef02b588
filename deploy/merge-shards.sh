#!/usr/bin/env bash
# After every shard of deploy/index-shard.sh has finished: merge GALLERIES/shard-0..N-1 into OUT
# (no re-embedding), then pick the index kind for the merged size.
#
# Environment: SHARDS, GALLERIES (as for index-shard.sh), OUT (the merged gallery), LINGBI.
set -euo pipefail
: "${SHARDS:?set SHARDS}" "${GALLERIES:?set GALLERIES}" "${OUT:?set OUT}"
LINGBI=${LINGBI:-lingbi}
inputs=()
for ((i = 0; i < SHARDS; i++)); do
  [ -f "$GALLERIES/shard-$i/catalog.sqlite" ] || { echo "merge-shards: shard $i is missing ($GALLERIES/shard-$i)" >&2; exit 1; }
  inputs+=("$GALLERIES/shard-$i")
done
"$LINGBI" gallery merge "$OUT" "${inputs[@]}"
"$LINGBI" gallery optimize "$OUT"
