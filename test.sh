#!/usr/bin/env bash
# Builds CraftedSignal and runs every test project, browser tests included.
# Installs what a fresh machine lacks (Debian's chromium for Playwright, argon2 for the hasher tests).
set -euo pipefail
cd "$(dirname "$0")"

# chromium: browser tests; argon2: the reference Argon2 CLI the password hasher is checked against.
missing=()
[ -x /usr/bin/chromium ] || command -v chromium >/dev/null 2>&1 || missing+=(chromium)
[ -x /usr/bin/argon2 ] || missing+=(argon2)
if [ ${#missing[@]} -gt 0 ]; then
  echo "== installing Debian packages: ${missing[*]}"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
echo "== build"
dotnet build CraftedSignal.sln -c Release -nologo -v q

mkdir -p artifacts
status=0
for project in CraftedSignal.Tests CraftedSignal.E2E; do
  echo "== test $project"
  dotnet test "$project" -c Release --no-build -nologo \
    --logger "console;verbosity=normal" --results-directory "artifacts/$project" || status=1
done
exit $status
