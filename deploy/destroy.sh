#!/usr/bin/env bash
# make destroy [ARGS="..."]: sam delete, then what the deletion kept (logins, media index,
# media bucket, SSM parameters) and the command that removes each. docs/deploy.md.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}

usage() {
  cat <<'USAGE'
usage: deploy/destroy.sh [--dry-run] [--yes] [--stack-name NAME] [--region REGION] [--profile PROFILE]
  --dry-run   print the commands and what would be kept, run nothing (no AWS call)
  --yes       do not ask before deleting the stack
  defaults: stack name and region from samconfig.toml
USAGE
}

dry=0 yes=0
target=()
while [ $# -gt 0 ]; do
  case "$1" in
    --dry-run) dry=1 ;;
    --yes) yes=1 ;;
    --stack-name | --region | --profile)
      [ $# -ge 2 ] && [ -n "$2" ] || { echo "$1 needs a value" >&2; usage >&2; exit 2; }
      target+=("$1" "$2"); shift ;;
    -h | --help) usage; exit 0 ;;
    *) echo "unknown argument: $1" >&2; usage >&2; exit 2 ;;
  esac
  shift
done

run() {
  printf '+ %s\n' "$*"
  if [ "$dry" -eq 0 ]; then "$@"; fi
}

if [ "$dry" -eq 0 ] && ! command -v sam >/dev/null 2>&1; then
  echo "sam (AWS SAM CLI) is not on PATH: see docs/deploy.md" >&2
  exit 1
fi

delete_args=("${target[@]}")
[ "$yes" -eq 1 ] && delete_args+=(--no-prompts)

if [ "$dry" -eq 1 ]; then
  run sam delete "${delete_args[@]}"
  "$PYTHON" -m deploy.stack retained --offline "${target[@]}"
  exit 0
fi

# The physical names first: once the stack is gone they can no longer be looked up.
kept=$("$PYTHON" -m deploy.stack retained "${target[@]}")
run sam delete "${delete_args[@]}"
printf '%s\n' "$kept"
