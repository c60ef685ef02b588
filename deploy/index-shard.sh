#!/usr/bin/env bash
# One shard of a large library: `lingbi index --shard i/N` into a gallery of its own. The Slurm
# array (deploy/slurm/) and the Kubernetes indexed Job (deploy/k8s/) run exactly this, as does the
# test that checks N local shards merged equal one run (tests/scale_out_test.cpp).
#
# Environment:
#   SHARD       this shard, 0..SHARDS-1 (default: SLURM_ARRAY_TASK_ID, else JOB_COMPLETION_INDEX)
#   SHARDS      how many shards in all (required)
#   PICTURES    the library: folders and files, separated by spaces (required)
#   GALLERIES   where shard galleries go: GALLERIES/shard-<SHARD> (required)
#   CLIP        the CLIP model (GGUF, or a preset's name) every shard uses (required: all must agree)
#   LINGBI      the lingbi program (default: lingbi on PATH)
#   THREADS     threads for this shard (default 0: one per core it may use)
# A shard that is run again (a retried array task or pod) goes on where it stopped.
set -euo pipefail
SHARD=${SHARD:-${SLURM_ARRAY_TASK_ID:-${JOB_COMPLETION_INDEX:-}}}
: "${SHARD:?set SHARD (or run as a Slurm array task or a Kubernetes indexed Job)}"
: "${SHARDS:?set SHARDS}" "${PICTURES:?set PICTURES}" "${GALLERIES:?set GALLERIES}" "${CLIP:?set CLIP}"
LINGBI=${LINGBI:-lingbi}
mkdir -p "$GALLERIES"
# shellcheck disable=SC2086  # PICTURES is a list of paths
exec "$LINGBI" index --quiet --gallery "$GALLERIES/shard-$SHARD" --clip "$CLIP" --shard "$SHARD/$SHARDS" \
  -t "${THREADS:-0}" $PICTURES
