"""A finished training's checkpoints: the best (or last) one and its parameter count."""
import os
import os.path as osp
from typing import Optional, Tuple

from .base import RecipeError


def load_checkpoint(path: str) -> dict:
    """A checkpoint through futureseg's weights-only loader."""
    from futureseg.engine.checkpoint import load_from_local
    return load_from_local(path, 'cpu')


def best_checkpoint(work_dir: str) -> Tuple[str, Optional[float]]:
    """(path, score) of the best checkpoint (``best_*.pth``) of a training, else its last."""
    best = [f for f in os.listdir(work_dir) if f.startswith('best_') and f.endswith('.pth')]
    if best:
        best.sort(key=lambda f: osp.getmtime(osp.join(work_dir, f)))
        path = osp.join(work_dir, best[-1])
        hub = load_checkpoint(path).get('message_hub', {})
        score = hub.get('runtime_info', {}).get('best_score') if isinstance(hub, dict) else None
        return path, (float(score) if score is not None else None)
    last = osp.join(work_dir, 'last_checkpoint')
    if not osp.isfile(last):
        raise RecipeError(f'no checkpoint in {work_dir}')
    with open(last) as f:
        path = f.read().strip()
    return path, None


def count_parameters(path: str) -> int:
    """Floating-point parameters (and buffers) in a checkpoint's ``state_dict``."""
    return int(sum(v.numel() for v in load_checkpoint(path)['state_dict'].values()
                   if v.is_floating_point()))
