"""The shell commands of the README, as a reader would copy them: every line of its ```bash blocks that is
not a comment, with `\\` continuations joined and trailing `# ...` comments kept (the shell drops them)."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

FENCE = re.compile(r"^```(bash|sh)\s*$")
SCRIPTS = {"train.py": "train", "predict.py": "predict", "export.py": "export", "serve.py": "serve"}


def readme_commands(readme: Path) -> list[str]:
    commands, block, pending = [], False, ""
    for line in readme.read_text().splitlines():
        if FENCE.match(line.strip()):
            block = True
            continue
        if block and line.strip() == "```":
            block = False
            continue
        if not block:
            continue
        text = pending + line.strip()
        if text.endswith("\\"):  # a continued line: joined as the shell joins it
            pending = text[:-1] + " "
            continue
        pending = ""
        if text and not text.startswith("#"):
            commands.append(text)
    return commands


def python_script_args(command: str) -> tuple[str, list[str]] | None:
    """("train", [overrides...]) for `python train.py ...` (also at the end of a pipe); None for other
    commands. Arguments are split as the shell splits them (quotes, comments), `-m` is dropped."""
    words = shlex.split(command.split("|")[-1], comments=True)
    if len(words) < 2 or words[0] != "python" or words[1] not in SCRIPTS:
        return None
    return SCRIPTS[words[1]], [w for w in words[2:] if w != "-m"]
