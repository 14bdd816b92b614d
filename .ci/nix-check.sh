#!/usr/bin/env bash
# Nix checks that need no nixpkgs and no network, run from the repository root
# after `mvn package` (it uses target/lab-orchestrator.jar):
#   1. every tracked .nix file parses;
#   2. nix/lib/inventory.nix evaluates on the stand-in nixosConfigurations
#      (nix/tests/inventory-standin.nix), without nixpkgs;
#   3. the controller accepts that inventory (`check-inventory` uses the same
#      reader as `run`), so the module's output and the Java reader agree;
#   4. nix/tarball.nix evaluates (nix/tests/tarball-standin.nix) and the
#      command it puts in the tarball is the one the exec jobspec runs.
# Building the package, the flake and the VM test needs nixpkgs: not done here.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v nix-instantiate >/dev/null 2>&1; then
  apt-get update -qq
  apt-get install -y -qq nix-bin >/dev/null
fi

# --readonly-mode: parse and evaluate without a Nix store or daemon (nothing
# here imports nixpkgs or copies a path into the store), so it works as root
# in a bare CI container.
nix_flags=(--readonly-mode)

mapfile -d '' nix_files < <(git ls-files -z -- '*.nix')
if ((${#nix_files[@]} == 0)); then
  echo "nix-check: no tracked .nix files" >&2
  exit 1
fi
for file in "${nix_files[@]}"; do
  nix-instantiate "${nix_flags[@]}" --parse "$file" >/dev/null
done
echo "nix-check: ${#nix_files[@]} .nix files parse"

mkdir -p target
nix-instantiate "${nix_flags[@]}" --eval --strict --json \
  --expr 'import ./nix/lib/inventory.nix (import ./nix/tests/inventory-standin.nix)' \
  >target/nix-inventory.json
echo "nix-check: nix/lib/inventory.nix on the stand-in -> target/nix-inventory.json"

command=$(nix-instantiate "${nix_flags[@]}" --eval --strict --json \
  --expr 'import ./nix/tests/tarball-standin.nix')
if ! grep -Fq "command = ${command}" jobs/lab-orchestrator-exec.nomad; then
  echo "nix-check: jobs/lab-orchestrator-exec.nomad does not run ${command}, which nix/tarball.nix ships" >&2
  exit 1
fi
echo "nix-check: nix/tarball.nix evaluates; the exec jobspec runs ${command}"

jar=target/lab-orchestrator.jar
if [[ ! -f $jar ]]; then
  echo "nix-check: $jar is missing; run 'mvn -B package' first" >&2
  exit 1
fi
java -jar "$jar" check-inventory target/nix-inventory.json
