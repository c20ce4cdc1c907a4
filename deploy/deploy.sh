#!/usr/bin/env bash
# make deploy [ARGS="..."]: sam build, create the missing SSM parameters (prompting),
# sam deploy, then print the API URL and a first curl. docs/deploy.md explains each step.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}

usage() {
  cat <<'USAGE'
usage: deploy/deploy.sh [--dry-run] [--stack-name NAME] [--region REGION] [--profile PROFILE]
                        [--parameter-overrides "Key=Value ..."] [--guided]
  --dry-run   print each step's command, run none (no AWS call, no sam needed)
  defaults: stack name and region from samconfig.toml
USAGE
}

dry=0 guided=0 overrides=""
target=()
while [ $# -gt 0 ]; do
  case "$1" in
    --dry-run) dry=1 ;;
    --guided) guided=1 ;;
    --stack-name | --region | --profile)
      [ $# -ge 2 ] && [ -n "$2" ] || { echo "$1 needs a value" >&2; usage >&2; exit 2; }
      target+=("$1" "$2"); shift ;;
    --parameter-overrides)
      [ $# -ge 2 ] && [ -n "$2" ] || { echo "$1 needs a value" >&2; usage >&2; exit 2; }
      overrides=$2; shift ;;
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

deploy_args=("${target[@]}")
[ -n "$overrides" ] && deploy_args+=(--parameter-overrides "$overrides")
[ "$guided" -eq 1 ] && deploy_args+=(--guided)

# Build first: it needs no AWS access, so a build problem shows before any prompt.
echo "== 1/4 build"
run sam build
echo "== 2/4 SSM parameters (created only when missing; secrets are not echoed)"
run "$PYTHON" -m deploy.ssm ensure "${target[@]}"
echo "== 3/4 deploy"
run sam deploy "${deploy_args[@]}"
echo "== 4/4 outputs"
run "$PYTHON" -m deploy.stack outputs "${target[@]}"
