"""Tests that can fail: each mutation plants a deliberate bug in a copy of the code and runs the test that
must catch it; the record says whether it failed (it must). Issue 22.

    .venv/bin/python experiments/reliability/mutations.py          # writes mutations.json beside this file
    .venv/bin/python experiments/reliability/mutations.py "top_k not checked"   # rerun named ones only

A mutation is (file, exact text, replacement, test id). The copy is a `git worktree` of HEAD plus the
working tree's changes to the files mutated, in a temporary folder; the repository is never touched.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
MUTATIONS = [
    ("src/prodcat/models/mixture.py", "weights.clamp_min(1e-12).log()", "weights.clamp_min(1e-12).log().neg()",
     "tests/test_lexical.py::test_mixture_is_the_log_of_the_weighted_probabilities", "mixture weights inverted"),
    ("src/prodcat/models/mixture.py", "return [*logits[:-1], sharpness * logits[-1]]",
     "return [*logits[:-1], logits[0]]",
     "tests/test_lexical.py::test_the_mixture_weighs_the_member_that_is_right_on_held_out_rows", "a view dropped"),
    ("src/prodcat/cache.py", "    with FileLock(path):\n        yield", "    yield",
     "tests/test_features.py::test_two_processes_building_the_same_cache_end_with_one_good_cache[True]",
     "cache lock removed"),
    ("src/prodcat/data/readers.py", "sep = path_sep.strip() or path_sep", "sep = path_sep",
     "tests/test_readers.py::test_separators_do_not_depend_on_stray_whitespace", "separator depends on whitespace"),
    ("src/prodcat/data/readers.py", "n, end = end + 1, reader.line_num", "n, end = reader.line_num, reader.line_num",
     "tests/test_readers.py::test_a_csv_record_with_an_unbalanced_quote_is_reported_at_its_first_line",
     "CSV error at the record's last line"),
    ("src/prodcat/eval/metrics.py", "_collection(max(2, max(ids) + 1), with_topk=False)",
     "_collection(max(ids) + 1, with_topk=False)",
     "tests/test_metrics.py::test_a_catalog_under_one_root_scores_its_single_category_level_as_right",
     "a single-category level not padded to two classes"),
    ("src/prodcat/data/roots.py",
     "return [*roots, repo / \"data\" / \"datasets\", repo.parent / \"shared\" / \"datasets\"]",
     "return [repo.parent / \"shared\" / \"datasets\", repo / \"data\" / \"datasets\", *roots]",
     "tests/test_real_data.py::test_the_data_root_is_found_the_same_way_everywhere", "data roots in the wrong order"),
    ("src/prodcat/models/mixture.py", 'self.register_buffer("weights", torch.full((members,), 1.0 / members))',
     'self.register_buffer("weights", torch.full((members,), 1.0 / members), persistent=False)',
     "tests/test_train.py::test_checkpoint_is_self_contained_for_inference", "mixture not saved in the checkpoint"),
    ("src/prodcat/distill/losses.py", 'return {"loss": alpha * kd + (1.0 - alpha) * hard',
     'return {"loss": (1.0 - alpha) * kd + alpha * hard', "tests/test_distill.py::test_fast_dev_run_each_mode",
     "distillation weights swapped"),
    ("src/prodcat/serve/predictor.py", 'k = self.top_k if top_k is None else _whole_at_least_one("top_k", top_k)',
     "k = top_k or self.top_k", "tests/test_serve.py::test_top_k_must_be_a_whole_number_of_at_least_one",
     "top_k not checked"),
]


def run_one(copy: Path, file: str, old: str, new: str, test: str) -> dict:
    path = copy / file
    original = path.read_text()
    if original.count(old) != 1:
        return {"error": f"{file}: the text to mutate occurs {original.count(old)} times"}
    path.write_text(original.replace(old, new))
    try:
        env = {**os.environ, "PYTHONPATH": str(copy / "src"), "PROJECT_ROOT": str(copy), "OMP_NUM_THREADS": "1"}
        proc = subprocess.run([sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider", test],
                              cwd=copy, env=env, capture_output=True, text=True, timeout=900)
        last = (proc.stdout.strip().splitlines() or [""])[-1]
        return {"failed": proc.returncode != 0, "pytest": last}
    finally:
        path.write_text(original)


def main() -> None:
    only = sys.argv[1:]  # bug names to rerun (their records replace the old ones); none: all
    out = Path(__file__).parent / "mutations.json"
    kept = [r for r in json.loads(out.read_text()) if r["bug"] not in only] if only and out.is_file() else []
    tmp = Path(tempfile.mkdtemp(prefix="prodcat-mutations-"))
    copy = tmp / "repo"
    subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", str(copy), "HEAD"], check=True,
                   capture_output=True)
    try:
        records = []
        for file, old, new, test, bug in MUTATIONS:
            if only and bug not in only:
                continue
            result = run_one(copy, file, old, new, test)
            records.append({"bug": bug, "file": file, "test": test, **result})
            print(json.dumps(records[-1]), flush=True)
        order = [m[4] for m in MUTATIONS]
        records = sorted(kept + records, key=lambda r: order.index(r["bug"]))
        out.write_text(json.dumps(records, indent=1) + "\n")
        caught = sum(r.get("failed", False) for r in records)
        print(f"{caught} of {len(records)} planted bugs made their test fail")
    finally:
        subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(copy)], capture_output=True)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
