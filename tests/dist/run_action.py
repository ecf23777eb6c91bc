#!/usr/bin/env python3
"""A local stand-in for the GitHub Actions runner, for this repository's composite action only:
runs the steps of action.yml as the runner does (each `run` with `bash --noprofile --norc -eo
pipefail`, the step's `env` with `${{ inputs.* }}` substituted, $GITHUB_PATH, $GITHUB_OUTPUT,
$GITHUB_STEP_SUMMARY and $RUNNER_TEMP as files and folders of WORKDIR), stops at the first step
that fails, and exits with its code. Any other expression is refused, so the stand-in cannot
quietly run something else than a runner would.

usage: run_action.py ACTION_YML WORKDIR [NAME=VALUE ...]
Writes WORKDIR/summary.md (the step summary) and WORKDIR/outputs.json (the action's outputs).
"""
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import yaml

EXPR = re.compile(r"\$\{\{\s*([^}]*?)\s*\}\}")


def substitute(text, inputs, steps):
    def one(m):
        expr = m.group(1)
        if expr.startswith("inputs."):
            name = expr[len("inputs."):]
            if name not in inputs:
                sys.exit(f"action.yml uses undeclared input `{name}`")
            return inputs[name]
        parts = expr.split(".")
        if len(parts) == 4 and parts[0] == "steps" and parts[2] == "outputs":
            return steps.get(parts[1], {}).get(parts[3], "")
        sys.exit(f"the stand-in does not evaluate `{m.group(0)}`")
    return EXPR.sub(one, str(text))


def read_kv(path):
    out = {}
    for line in path.read_text().splitlines():
        if "=" in line:
            k, v = line.split("=", 1)
            out[k] = v
    return out


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    action = yaml.safe_load(Path(sys.argv[1]).read_text())
    work = Path(sys.argv[2]).resolve()
    work.mkdir(parents=True, exist_ok=True)
    inputs = {k: str(v.get("default", "")) for k, v in action.get("inputs", {}).items()}
    for kv in sys.argv[3:]:
        k, _, v = kv.partition("=")
        if k not in inputs:
            sys.exit(f"the action has no input `{k}`")
        inputs[k] = v
    for k, v in action["inputs"].items():
        if v.get("required") and not inputs[k]:
            sys.exit(f"input `{k}` is required")
    if action["runs"]["using"] != "composite":
        sys.exit("not a composite action")
    summary, path_file = work / "summary.md", work / "github_path"
    temp = work / "runner_temp"
    temp.mkdir(exist_ok=True)
    for f in (summary, path_file):
        f.write_text("")
    steps, code = {}, 0
    for i, step in enumerate(action["runs"]["steps"]):
        if set(step) - {"name", "id", "shell", "env", "run"}:
            sys.exit(f"step {i}: the stand-in runs only name/id/shell/env/run, not {sorted(step)}")
        if step.get("shell") != "bash":
            sys.exit(f"step {i}: only `shell: bash` is run here")
        output = work / f"output_{i}"
        output.write_text("")
        env = dict(os.environ)
        extra_path = [p for p in path_file.read_text().splitlines() if p]
        env["PATH"] = os.pathsep.join(list(reversed(extra_path)) + [env["PATH"]])
        env.update(GITHUB_STEP_SUMMARY=str(summary), GITHUB_OUTPUT=str(output),
                   GITHUB_PATH=str(path_file), RUNNER_TEMP=str(temp), GITHUB_ACTIONS="true")
        for k, v in (step.get("env") or {}).items():
            env[k] = substitute(v, inputs, steps)
        script = work / f"step_{i}.sh"
        script.write_text(substitute(step["run"], inputs, steps))
        print(f"::group::{step.get('name', i)}", flush=True)
        code = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
                              env=env, cwd=os.getcwd()).returncode
        print("::endgroup::", flush=True)
        if "id" in step:
            steps[step["id"]] = read_kv(output)
        if code != 0:
            break
    outputs = {k: substitute(v["value"], inputs, steps) for k, v in action.get("outputs", {}).items()}
    (work / "outputs.json").write_text(json.dumps(outputs, indent=2) + "\n")
    sys.exit(code)


if __name__ == "__main__":
    main()
