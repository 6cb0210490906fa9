"""Knowledge distillation: a trained prodcat checkpoint (the teacher) teaches a smaller student.

`python train.py +experiment=distill distill.teacher=<ckpt> [distill=none|soft|tinybert] [distill.student_layers=k]`

- `losses`: the soft-target KL term, hidden-state and attention-map MSE, the layer mappings.
- `teacher`: loading the frozen teacher, the label-space check, its cached logits on the training set.
- `student`: the student's encoder: a backbone config, or a k-layer copy of the teacher's encoder.
- `module`: `DistillClassifier`, a ProductClassifier whose training loss also reads the teacher; its
  checkpoints load as plain ProductClassifier checkpoints, so serving and export need nothing new.
The run itself is the `distill` task (`prodcat.tasks.distill`), selected by `+experiment=distill`.
"""

from __future__ import annotations

MODES = ("none", "soft", "tinybert")


def enabled(cfg) -> bool:
    """Distillation is on when a teacher is named or a teacher loss is asked for (which then needs one)."""
    d = cfg.get("distill")
    return bool(d) and (d.get("mode", "none") != "none" or d.get("teacher") is not None)
