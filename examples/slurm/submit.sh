#!/bin/bash
# Queue the shard array, then the merge that starts once every array task has succeeded. sbatch passes this
# shell's environment on (--export=ALL is its default), so CONFIG, CHECKPOINT, DATA_ROOT and OUT_DIR set here
# reach both jobs: CONFIG=... CHECKPOINT=... DATA_ROOT=... OUT_DIR=... examples/slurm/submit.sh
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
array=$(sbatch --parsable "$here/shards.sbatch")
array=${array%%;*}
sbatch --dependency=afterok:"$array" "$here/merge.sbatch"
echo "shards: job array $array; merge queued after it"
