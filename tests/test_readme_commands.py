"""Every command of the README works as written.

Fast: each `python <script>.py ...` line, split as the shell splits it, composes with Hydra (a quoting
mistake such as `path_sep=' > '` reaching Hydra as `path_sep= > ` fails here, in a second).
Slow: each line runs through a real shell, small (the tiny backbone, `+debug=fdr` where it trains, a small
synthetic catalog) and with its paths and `<placeholders>` pointed at one tiny trained run.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
import urllib.request

import pytest
from hydra import compose as hydra_compose
from hydra import initialize_config_dir
from hydra.core.override_parser.overrides_parser import OverridesParser

from prodcat.config_keys import check_keys

from .conftest import FAST, ROOT
from .readme_commands import python_script_args, readme_commands

COMMANDS = readme_commands(ROOT / "README.md")
PLACEHOLDER = re.compile(r"<[a-z_ ]+>")  # <run>, <teacher run>, <some run>, <killed run>, <date_time>: the reader's own
PYTHON = [(c, *python_script_args(PLACEHOLDER.sub("x", c))) for c in COMMANDS if python_script_args(c)]


def first_of_each_sweep(overrides: list[str]) -> list[str]:
    """A multirun's first job: `head=linear,concat` -> `head=linear`."""
    parsed = OverridesParser.create().parse_overrides(overrides)
    return [f"{o.get_key_element()}={next(o.sweep_string_iterator())}" if o.is_sweep_override() else o.input_line
            for o in parsed]


def test_the_readme_has_the_commands_this_file_expects():
    assert len(PYTHON) >= 30 and any("data=catalog_file" in c for c, *_ in PYTHON)


@pytest.mark.parametrize("command,config,overrides", PYTHON, ids=[c[:70] for c, *_ in PYTHON])
def test_every_readme_command_composes(command, config, overrides):
    with initialize_config_dir(version_base="1.3", config_dir=str(ROOT / "conf")):
        cfg = hydra_compose(config_name=config, overrides=first_of_each_sweep(overrides), return_hydra_config=True)
    check_keys(cfg, ROOT / "conf", config)  # what the entry point checks first


# -- slow: through a real shell --------------------------------------------------------------------------
NOT_HERE = {  # what no CPU test machine can run, and where it is covered instead
    "make ": "installs the project (CI runs `make test`; experiments/embedded_default records `make train`)",
    "trainer=gpu": "needs a CUDA device",
    "cu126": "needs a CUDA wheel",
    "hydra/launcher=slurm": "needs a SLURM cluster (the launcher config composes: tests/test_sweeps.py)",
    "curl ": "run together with the serve.py line before it",
}
SMALL_SYNTHETIC = [o for o in FAST if o.startswith(("data.catalog.n_", "graph.settings."))]
TINY_4_LAYERS = ["backbone.architecture.num_hidden_layers=4"]


def shell_line(command: str, tmp, n: int) -> str:
    """The README line made small and pointed at this test's folders; the command itself is unchanged."""
    line = command.replace("outputs/", f"{tmp}/outputs/")
    line = PLACEHOLDER.sub(str(tmp / "base"), line)
    line = line.replace(f"{tmp}/outputs/train/runs/{tmp}/base", str(tmp / "base"))
    line = line.replace(f"{tmp}/outputs/train/multiruns/{tmp}/base", str(tmp / "multirun"))
    for name in ("products.jsonl", "predictions.jsonl", "titles.txt"):
        line = re.sub(rf"(?<![\w/]){re.escape(name)}", str(tmp / name), line)
    parsed = python_script_args(command)
    if parsed and parsed[0] == "train":
        args = parsed[1]
        # the README's encoder has 6 layers: a 4-layer tiny BERT keeps `freeze.k=3` and 3-layer students valid
        extra = [] if any(a.startswith("backbone=") for a in args) else ["backbone=tiny", *TINY_4_LAYERS]
        if not any(a.startswith("data=") for a in args):
            extra += SMALL_SYNTHETIC
        if "task=knn" not in args and not any(a.startswith("+debug=") for a in args):
            extra.append("+debug=fdr")
        if not any(a.startswith("hydra.run.dir=") for a in args):
            extra.append(f"hydra.run.dir={tmp}/runs/{n}")
        extra += [f"hydra.sweep.dir={tmp}/multirun" if " -m " in command else "",
                  "logger=none", f"paths.cache_dir={tmp}/cache"]
        line = line.split(" #")[0] + " " + " ".join(e for e in extra if e)
    return line


@pytest.fixture(scope="module")
def workspace(tmp_path_factory):
    """One tiny trained and exported run (what `<run>` stands for) and the files the README names."""
    tmp = tmp_path_factory.mktemp("readme")
    env = {**os.environ, "T": str(tmp / "teacher" / "checkpoints" / "best.ckpt"),  # `python` is this environment's
           "PATH": f"{os.path.dirname(sys.executable)}{os.pathsep}{os.environ['PATH']}"}
    subprocess.run(["python", "train.py", "+experiment=hybrid", *FAST, *TINY_4_LAYERS, "logger=none",
                    f"hydra.run.dir={tmp}/base", f"paths.cache_dir={tmp}/cache"],
                   cwd=ROOT, env=env, check=True, capture_output=True)
    # $T of the distillation lines: a teacher without the lexical view (distilling it is not implemented)
    subprocess.run(["python", "train.py", "+experiment=text_graph", *FAST, *TINY_4_LAYERS, "logger=none",
                    f"hydra.run.dir={tmp}/teacher", f"paths.cache_dir={tmp}/cache"],
                   cwd=ROOT, env=env, check=True, capture_output=True)
    subprocess.run(["python", "export.py", f"checkpoint={tmp}/base/checkpoints/best.ckpt", "precisions=[int8]"],
                   cwd=ROOT, env=env, check=True, capture_output=True)
    (tmp / "titles.txt").write_text("iphone 15 pro max 256gb\nnike air max 90\n")
    (tmp / "products.jsonl").write_text("".join(
        f'{{"title": "product {i} of kind {i % 4}", "category": "Root > Kind {i % 4} > Leaf {i % 8}", '
        f'"brand": "brand{i % 3}", "text": "product {i}"}}\n' for i in range(160)))
    return tmp, env


def _serve_and_ask(line: str, curl: str, env: dict) -> subprocess.CompletedProcess:
    server = subprocess.Popen(["bash", "-c", f"exec {line}"], cwd=ROOT, env=env, start_new_session=True,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        for _ in range(240):
            try:
                urllib.request.urlopen("http://localhost:8000/healthz", timeout=1)
                break
            except OSError:
                assert server.poll() is None, server.stdout.read().decode()
                time.sleep(0.5)
        return subprocess.run(["bash", "-c", curl], cwd=ROOT, env=env, capture_output=True, text=True)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(60)


@pytest.mark.slow
@pytest.mark.parametrize("n,command", list(enumerate(COMMANDS)), ids=[c[:70] for c in COMMANDS])
def test_every_readme_command_runs_in_a_shell(n, command, workspace):
    tmp, env = workspace
    reason = next((why for key, why in NOT_HERE.items() if key in command), None)
    if reason:
        pytest.skip(reason)
    line = shell_line(command, tmp, n)
    if line.startswith("T="):  # the README's variable for the lines after it: the fixture sets it
        return
    if "serve.py" in line:
        curl = next(c for c in COMMANDS[n:] if c.startswith("curl "))
        done = _serve_and_ask(line.split(" #")[0], curl, env)
        assert done.returncode == 0 and '"predictions"' in done.stdout, done.stdout + done.stderr
        return
    done = subprocess.run(["bash", "-c", line], cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, f"{line}\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
