"""The stage base class and what decides whether a stage is stale: its fingerprint."""
import hashlib
import json
import re
from typing import Dict, Optional, Set

STATE_FILE = 'recipe_state.json'
# ``{stage}`` or ``{stage.key}`` in a stage's settings
REF = re.compile(r'\{([A-Za-z_]\w*)(?:\.(\w+))?\}')


class RecipeError(RuntimeError):
    """A stage failed or a recipe is malformed; the message names the stage and its log."""


class StageTimeout(RecipeError):
    """A stage's tool ran past the stage's ``timeout`` (or the recipe's ``budget``) and was
    killed; the message names the stage, the limit and the log."""


def read_json(path: str):
    with open(path) as f:
        return json.load(f)


def _hash(obj) -> str:
    blob = json.dumps(obj, sort_keys=True, default=str)
    return hashlib.sha1(blob.encode()).hexdigest()[:12]


class RecipeStage:
    """Base of the stages. Config keys: name (unique in the recipe), plus the stage's own.

    Every stage also takes the runner's keys ``timeout`` (seconds; its tools are killed
    after it) and ``requires_gpus`` (skipped with fewer visible CUDA devices); they change
    no result, so they are not part of the fingerprint.

    A subclass implements ``run(ctx) -> outputs`` (a JSON-able dict; ``main`` names the key
    that ``{stage}`` refers to; ``scores`` maps table rows to metric dicts; ``samples`` (a
    count) or ``samples_s`` give the stage table's samples/s) and may list
    output files in ``files`` that must still exist for the stage to count as done. A stage
    that runs a config file returns its resolved contents from ``config_text(ctx)``, so that
    an edit of the file (or of a ``_base_`` it inherits) makes the stage stale.

    Args:
        name (str): the stage's name, unique in the recipe.
        **cfg: the stage's settings.
    """
    depends_keys = ()  # config keys that name other stages
    unhashed_keys = ()  # settings that do not change the result (worker counts, ports)
    runner_keys = ('timeout', 'requires_gpus')  # read by the runner, not by the stage

    def __init__(self, name: str, **cfg):
        self.name, self.cfg = name, cfg

    def settings(self) -> dict:
        """The settings the result depends on (the fingerprint's own part)."""
        return dict(type=type(self).__name__,
                    **{k: v for k, v in self.cfg.items()
                       if k not in self.unhashed_keys and k not in self.runner_keys})

    def config_text(self, ctx) -> Optional[str]:
        """The resolved config the stage runs, as text; None for a stage without one. Called
        only once the stages it depends on have finished (their outputs are resolvable)."""
        return None

    def own_fingerprint(self, ctx) -> str:
        """Hash of the stage's settings, the data root and its resolved config's contents."""
        return _hash(dict(settings=self.settings(), data_root=ctx.data_root,
                          config=self.config_text(ctx)))

    def fingerprint(self, ctx, own: str, dep_fingerprints: Dict[str, str]) -> str:
        """The full fingerprint: the own part and the fingerprints of the stages it depends
        on (the data stage included), so a change anywhere upstream makes it stale."""
        return _hash(dict(own=own, deps=dep_fingerprints))

    def dependencies(self, stage_names: Set[str]) -> Set[str]:
        """The stages named in ``depends_keys`` or referred to as ``{stage...}``."""
        deps = {self.cfg[k] for k in self.depends_keys if self.cfg.get(k)}
        for m in REF.finditer(json.dumps(self.cfg, default=str)):
            if m.group(1) in stage_names:
                deps.add(m.group(1))
        return deps

    @staticmethod
    def outputs_exist(outputs: dict) -> bool:
        import os.path as osp
        return all(osp.exists(p) for p in outputs.get('files', []))

    def run(self, ctx) -> dict:
        raise NotImplementedError(f'{type(self).__name__} does not implement run(ctx)')
