#!/usr/bin/env bash
# Builds CraftedSignal and runs every test project, browser tests included.
# Installs what a fresh machine lacks (Debian's chromium for Playwright).
set -euo pipefail
cd "$(dirname "$0")"

# Debian packages the tests use: chromium for the browser tests, argon2 (the reference C implementation) for the hasher.
missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
[ -x /usr/bin/argon2 ] || missing+=(argon2)
if [ ${#missing[@]} -gt 0 ]; then
  echo "== installing ${missing[*]} from apt"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
echo "== build"
dotnet build CraftedSignal.sln -c Release -nologo -v q
# The compiler servers stay resident after a build; the tests want the two cores and the memory.
dotnet build-server shutdown >/dev/null 2>&1 || true

mkdir -p artifacts
status=0
log=artifacts/test-output.log
: > "$log"
for project in CraftedSignal.Tests CraftedSignal.E2E; do
  echo "== test $project"
  if ! dotnet test "$project" -c Release --no-build -nologo \
    --logger "console;verbosity=normal" --results-directory "artifacts/$project" 2>&1 | tee -a "$log"; then
    status=1
  fi
done

passed=$(awk '/^ +Passed: +[0-9]+$/ { n += $2 } END { print n + 0 }' "$log")
failed=$(awk '/^ +Failed: +[0-9]+$/ { n += $2 } END { print n + 0 }' "$log")
skipped=$(awk '/^ +Skipped: +[0-9]+$/ { n += $2 } END { print n + 0 }' "$log")
echo "Screenshots: artifacts/screenshots/"
echo "$passed passed, $failed failed, $skipped skipped"
exit $status
