#!/usr/bin/env bash
# Installed use, as a newcomer meets it: the wheel in a fresh venv, from an empty folder with
# nothing but the installed package. Lists, shows and copies a built-in scenario, extends it in
# a file of one's own, runs them, checks the numbers against the repository's own scenario, and
# runs a teaching notebook from outside the repository.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

"$repo/.venv/bin/pip" wheel --quiet --no-deps --wheel-dir "$work/dist" "$repo"
python3 -m venv "$work/venv"
"$work/venv/bin/pip" install --quiet "$work"/dist/crossing_sim-*.whl nbclient nbformat ipykernel
mkdir "$work/empty" && cd "$work/empty"
cs="$work/venv/bin/crossing-sim"

# to files, then their first lines (a pipe into head may close before the writer is done)
"$cs" scenarios > "$work/list.txt" && head -3 "$work/list.txt"
"$cs" scenarios show baseline > "$work/show.txt" && head -2 "$work/show.txt"
"$cs" scenarios copy two_tables
printf 'extends = "baseline"\nname = "mine"\n[gate]\nlanes = 2\n' > mine.toml
"$cs" run baseline --reps 50 --out "$work/runs/baseline"
for name in two_tables.toml mine.toml; do
  "$cs" run "$name" --reps 50 --json --out "$work/runs/$name" > "$work/$name.json"
done
"$repo/.venv/bin/crossing-sim" run "$repo/scenarios/two_tables.toml" --reps 50 --json \
    --out "$work/runs/repository" > "$work/repository.json"
python3 - "$work" <<'PY'
import json, sys
work = sys.argv[1]
crossed = {n: json.load(open(f"{work}/{n}.json"))["crossed"]["mean"]
           for n in ("two_tables.toml", "mine.toml", "repository")}
print(f"crossed, 50 nights: {crossed}")
assert crossed["two_tables.toml"] == crossed["repository"] == crossed["mine.toml"], crossed
PY
cp "$repo/notebooks/01_the_night.ipynb" .
"$work/venv/bin/python" - <<'PY'
import nbformat
from nbclient import NotebookClient
notebook = nbformat.read("01_the_night.ipynb", as_version=4)
NotebookClient(notebook, timeout=600, kernel_name="python3").execute()
print("notebook 01 ran outside the repository")
PY
echo "installed use: ok"
