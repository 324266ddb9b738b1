#!/bin/bash
# Monte Carlo outage risk on a Slurm cluster: four array tasks each run a quarter of the samples,
# then a dependent job merges the shards into exactly the report one run would have produced.
#
#   sbatch examples/slurm/risk-array.sh            # submits the array and the merge job
#
# Every task must use the same dataset, --samples, --seed, --scenario and --structure-every.
#SBATCH --job-name=chokepoint-risk
#SBATCH --array=0-3
#SBATCH --cpus-per-task=8
#SBATCH --time=01:00:00
#SBATCH --output=risk-%A_%a.log
set -euo pipefail

DATASET=${DATASET:-data/rare-earths}
SAMPLES=${SAMPLES:-100000}
SEED=${SEED:-1}
SHARDS=4
OUT=${OUT:-risk-out}

if [[ -z "${SLURM_ARRAY_TASK_ID:-}" ]]; then
  # Not inside a task: submit the array, then the merge once every task has succeeded.
  mkdir -p "$OUT"
  array_id=$(sbatch --parsable --export=ALL,DATASET="$DATASET",SAMPLES="$SAMPLES",SEED="$SEED",OUT="$OUT" "$0")
  sbatch --dependency=afterok:"$array_id" --job-name=chokepoint-risk-merge --output=risk-merge-%j.log \
    --wrap="chokepoint risk merge $OUT/shard-*.json --format json -o $OUT/risk.json && \
            chokepoint risk merge $OUT/shard-*.json --format md -o $OUT/risk.md"
  echo "submitted array $array_id and its merge job"
  exit 0
fi

ID=${SLURM_ARRAY_TASK_ID}
chokepoint risk "$DATASET" --samples "$SAMPLES" --seed "$SEED" --threads "${SLURM_CPUS_PER_TASK:-1}" \
  --shard "${ID}/${SHARDS}" -o "$OUT/shard-${ID}.json"
