"""The study harness (prodcat.studies) without training: a stand-in for train.py writes metrics.json."""

import json
import sys

import pytest

from prodcat import studies

METRICS = {"test": {"test/acc": 0.5, "test/f1_weighted": 0.25, "test/lvl1/f1_weighted": 0.75, "test/loss": 1.0},
           "val": {"val/f1_weighted": 0.5}, "timings": {"total_s": 3.0, "epochs": 2},
           "data": {"rows": {"train": 10}, "classes": 4}}


@pytest.fixture
def fake_train(monkeypatch, tmp_path):
    """train.py replaced by a script that writes METRICS (with val/f1_weighted from `score=`) or exits 3 (`fail`)."""
    script = tmp_path / "fake_train.py"
    script.write_text(
        "import json, pathlib, sys\n"
        "args = dict(a.split('=', 1) for a in sys.argv[1:] if '=' in a)\n"
        "if 'fail' in sys.argv: sys.exit(3)\n"
        f"m = {METRICS!r}\n"
        "m['val']['val/f1_weighted'] = float(args.get('score', 0.5))\n"
        "pathlib.Path(args['hydra.run.dir'], 'metrics.json').write_text(json.dumps(m))\n")
    monkeypatch.setattr(studies, "train_argv", lambda folder, ov, multirun=False:
                        [sys.executable, str(script), *ov, f"hydra.run.dir={folder}"])
    monkeypatch.setattr(studies, "CPU_LOCK", tmp_path / "cpu.lock")
    monkeypatch.setattr(studies, "FAILED", [])


def test_execute_records_reuses_and_reports_failures(fake_train, tmp_path, capsys):
    folder = studies.run_folder(tmp_path, "mwpd", "hybrid", 0)
    assert studies.execute(folder, ["seed=0"])
    wall = studies.wall(folder)
    assert wall["rc"] == 0 and wall["command"] == "python train.py seed=0" and len(wall["load_1m"]) == 2
    assert studies.execute(folder, ["seed=0"]) and "[reuse]" in capsys.readouterr().out
    rec = studies.record("s", "mwpd", "hybrid", 0, folder, {"extra": 1.0})
    assert rec["metrics"] == {"test/acc": 0.5, "test/f1_weighted": 0.25, "test/lvl1/f1_weighted": 0.75,
                              "extra": 1.0, "epochs": 2}  # the DESIGN.md score names only, in the run's order
    assert rec["seconds"] == wall["wall_s"] and rec["command"] == wall["command"]
    assert not studies.execute(tmp_path / "bad", ["fail"]) and studies.FAILED == [str(tmp_path / "bad")]
    with pytest.raises(SystemExit, match="1 runs failed"):
        studies.check_failed()


def test_run_held_groups_and_best_on_val(fake_train, tmp_path):
    folders = {lr: tmp_path / "select" / f"lr{lr}" for lr in ("1e-3", "1e-2", "3e-3")}
    scores = {"1e-3": 0.6, "1e-2": 0.8, "3e-3": 0.7}
    calls = []
    studies.run_held([(f, [f"score={scores[lr]}"]) for lr, f in folders.items()], key=lambda f: f.parent,
                     after=lambda: calls.append(sum(f.joinpath("metrics.json").is_file() for f in folders.values())))
    assert calls == [0, 1, 2, 3]  # one hold for the group: at its start and after each run
    assert studies.best_on_val(folders) == ("1e-2", scores)
    assert studies.best_on_val({"x": tmp_path / "none"}) == (None, {})
    calls.clear()
    studies.run_held([(f, []) for f in folders.values()], after=lambda: calls.append(1))
    assert calls == [1]  # nothing left to run: `after` once


def test_tables_and_generated_block(tmp_path):
    assert studies.mean_sd([]) == "–" and studies.mean_sd([0.5, None]) == "50.00"
    assert studies.mean_sd([0.5, 0.7]) == "60.00 ± 14.14"
    assert studies.test_scores(METRICS, ["test/f1_weighted", "test/nope"], digits=1) == {"test/f1_weighted": 0.2}
    recs = [{"dataset": "d", "variant": "v", "seed": 0, "metrics": {"test/acc": 0.5}}]
    same = "| d | v | 0 | test/acc | 50.0000 | 50.0000 | +0.0000 | yes |"
    assert same in studies.compare_table(recs, recs, ["test/acc"])
    readme = tmp_path / "README.md"
    readme.write_text("hand\n<!-- a -->\nold\n<!-- b -->\ntail\n")
    studies.write_generated(readme, "new\n", "<!-- a -->", "<!-- b -->")
    assert readme.read_text() == "hand\n<!-- a -->\nnew\n<!-- b -->\ntail\n"
    readme.write_text("hand\n<!-- a -->\nno end marker\n")
    with pytest.raises(SystemExit, match="missing"):
        studies.write_generated(readme, "x\n", "<!-- a -->", "<!-- b -->")
    json.dumps(studies.machine(model=True, memory=True))  # a plain string on any machine
