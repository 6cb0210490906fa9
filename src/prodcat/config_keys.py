"""Every key a run's config holds must be declared in `conf/`, so a misspelt key fails at start-up with its name.

Hydra's struct mode already refuses `optim.warmup_ratoi=0.1` on the command line, but a key that an experiment
file, a sweep or a `+key=value` adds is merged silently, and code that reads `cfg.get(key, default)` would then
never see it. The schema is `conf/` itself: a key is declared when the entry config (`train.yaml`,
`predict.yaml`, ...) or some file of a config group holds it (a group file under `# @package _global_`, such as
`task/mlm.yaml` with its `pretrain:` block, declares at the top level). Experiment and debug files set keys, they
declare none. Groups whose keys go straight to a library that checks them itself (`trainer` to Lightning's
Trainer, `logger`, `callbacks` and `paths` to Hydra's instantiate, `hydra`) are not checked here.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from functools import lru_cache
from pathlib import Path

from omegaconf import DictConfig, OmegaConf

NOT_CHECKED = {"trainer", "logger", "callbacks", "paths", "hydra"}
SETTERS = {"experiment", "debug"}  # groups whose files change declared keys
# Values that are free-form mappings by design: their inner keys are arguments of a callee that checks them.
FREE_FORM = {"graph.settings.walker_kwargs", "head.kwargs", "backbone.dropout"}


def _paths(node, prefix: str = "") -> Iterator[str]:
    """Dotted key paths of a mapping, leaves and inner nodes alike; free-form values are not entered."""
    if not isinstance(node, Mapping):
        return
    for key, value in node.items():
        if key == "defaults":
            continue
        path = f"{prefix}{key}"
        yield path
        if path not in FREE_FORM:
            yield from _paths(value, f"{path}.")


@lru_cache(maxsize=8)
def declared_keys(conf_dir: str, config_name: str) -> frozenset[str]:
    """Every dotted key that `<conf_dir>/<config_name>.yaml` or a file of a config group declares."""
    conf = Path(conf_dir)
    keys = set(_paths(OmegaConf.to_container(OmegaConf.load(conf / f"{config_name}.yaml"))))
    for group in sorted(p for p in conf.iterdir() if p.is_dir() and p.name not in SETTERS):
        keys.add(group.name)
        for file in sorted(group.glob("*.yaml")):
            prefix = "" if "# @package _global_" in file.read_text() else f"{group.name}."
            keys.update(_paths(OmegaConf.to_container(OmegaConf.load(file)), prefix))
    return frozenset(keys)


def check_keys(cfg: DictConfig, conf_dir: str | Path, config_name: str) -> None:
    """Raise KeyError naming every key of `cfg` that neither `<config_name>.yaml` nor a group file declares."""
    known = declared_keys(str(conf_dir), config_name)
    data = OmegaConf.to_container(cfg, resolve=False)
    unknown = [p for p in _paths({k: v for k, v in data.items() if k not in NOT_CHECKED}) if p not in known]
    unknown = [p for p in unknown if not any(p.startswith(f"{u}.") for u in unknown)]  # a new node, not its leaves
    if unknown:
        raise KeyError(f"unknown config key(s) {', '.join(unknown)}: no file under {conf_dir} declares them "
                       "(a misspelling? a new setting gets its default in the group's yaml files)")
