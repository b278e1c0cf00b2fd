"""A learned variant of NOS: a small decision tree decides, per predicted region, whether to
keep it, drop it (background), give it a touching known neighbour's class, or give it the
closest known class by attributes.

Fitted on validation predictions (``tools/fit_learned_nos.py``) with scikit-learn; saved as
plain JSON (the tree's arrays), so loading it runs no pickle and needs no scikit-learn.
"""
import json
import os
from typing import Iterable, Optional, Set, Tuple

import numpy as np

from futureseg.registry import POSTPROCESSORS
from futureseg.utils.io import write_json_atomic
from .base import BasePostProcessor
from .nos import (NewObjectSuppression, adjacency, attribute_distance, known_borders,
                  longest_border, regions_of)

ACTIONS = ('keep', 'drop', 'neighbour', 'closest')
FEATURES = ('known', 'area_rel', 'has_known_neighbour', 'known_border_frac', 'closest_distance',
            'num_known')


def region_table(mask: np.ndarray, known: Set[int], nos: NewObjectSuppression,
                 region: str = 'class') -> tuple:
    """Per region: (labels, region class array, region ids, feature matrix, neighbour class,
    closest known class). The neighbour and closest classes are NOS's own
    (``known_borders`` / ``longest_border``, ``nos.closest_known`` with its penalties), each
    region judged on the mask as predicted.

    Args:
        mask (np.ndarray): (H, W) predicted class ids.
        known (set[int]): known object classes.
        nos (NewObjectSuppression): gives the area threshold and the attribute penalties.
        region (str): 'class' or 'component'. Default: 'class'.
    """
    threshold = nos.threshold_for(mask.shape)
    labels, cls = regions_of(mask, region)
    area = np.bincount(labels.ravel(), minlength=len(cls))
    adj = adjacency(labels)
    ids, feats, neighbour, closest = [], [], [], []
    for r in range(1, len(cls)):
        if not area[r]:
            continue
        c = int(cls[r])
        others = known - {c}
        borders = known_borders(r, adj, cls, others)
        total = sum(adj.get(r, {}).values())
        close = nos.closest_known(c, others)
        ids.append(r)
        neighbour.append(longest_border(borders))
        closest.append(close)
        feats.append([float(c in known), area[r] / threshold, float(bool(borders)),
                      sum(borders.values()) / max(total, 1),
                      float(attribute_distance(c, close, **nos.penalties)) if close else 99.0,
                      float(len(known))])
    return labels, cls, ids, np.array(feats, np.float64).reshape(-1, len(FEATURES)), neighbour, closest


def best_actions(mask: np.ndarray, gt: np.ndarray, known: Set[int], nos: NewObjectSuppression,
                 region: str = 'class') -> Tuple[np.ndarray, np.ndarray]:
    """Training targets: per region, the action whose outcome overlaps the truth best."""
    labels, cls, ids, feats, neighbour, closest = region_table(mask, known, nos, region)
    targets = []
    for r, nb, close in zip(ids, neighbour, closest):
        truth = gt[labels == r]
        options = {'keep': int(cls[r]), 'drop': 0, 'neighbour': nb or None, 'closest': close or None}
        scores = {a: (truth == c).mean() for a, c in options.items() if c is not None}
        targets.append(ACTIONS.index(max(ACTIONS, key=lambda a: scores.get(a, -1))))
    return feats, np.array(targets, np.int64)


@POSTPROCESSORS.register_module()
class LearnedNOS(BasePostProcessor):
    """Applies a fitted decision tree per region.

    Args:
        model_file (str, optional): The tree, JSON written by ``LearnedNOS.fit(...).save``
            (``tools/fit_learned_nos.py``); required unless ``tree`` is given. Default: None.
        area_threshold (int): As NewObjectSuppression's, for the area feature. Default: 100.
        reference_size (tuple[int, int]): As NewObjectSuppression's. Default: (160, 240).
        region (str): 'class' or 'component', as NewObjectSuppression's. Default: 'class'.
        tree (dict, optional): The fitted tree itself (what ``fit`` passes) instead of
            ``model_file``. Default: None.
    """

    def __init__(self, model_file: Optional[str] = None, area_threshold: int = 100,
                 reference_size: Tuple[int, int] = (160, 240), region: str = 'class',
                 tree: Optional[dict] = None):
        self.sizer = NewObjectSuppression(area_threshold, reference_size, region)
        self.region = region
        if tree is None:
            if not model_file or not os.path.isfile(model_file):
                raise FileNotFoundError(f'learned NOS model not found: {model_file} '
                                        '(fit one with tools/fit_learned_nos.py)')
            with open(model_file) as f:
                tree = json.load(f)
        if tree.get('features') != list(FEATURES):
            raise ValueError(f'{model_file}: the tree was fitted on other features {tree.get("features")}')
        self.tree = {k: np.asarray(v) if isinstance(v, list) else v for k, v in tree.items()}

    def predict_actions(self, feats: np.ndarray) -> np.ndarray:
        """The action index (into ``ACTIONS``) of each feature row."""
        t = self.tree
        out = []
        for x in feats:
            node = 0
            while t['left'][node] != -1:
                node = t['left'][node] if x[t['feature'][node]] <= t['threshold'][node] else t['right'][node]
            out.append(int(t['action'][node]))
        return np.array(out, np.int64)

    def process(self, mask: np.ndarray, known: Set[int]) -> np.ndarray:
        labels, cls, ids, feats, neighbour, closest = region_table(mask, known, self.sizer, self.region)
        if not ids:
            return mask.copy()
        new = cls.copy()
        for r, a, nb, close in zip(ids, self.predict_actions(feats), neighbour, closest):
            choice = ACTIONS[a]
            if choice == 'drop':
                new[r] = 0
            elif choice == 'neighbour' and nb:
                new[r] = nb
            elif choice == 'closest' and close:
                new[r] = close
        return np.where(labels > 0, new[labels], mask).astype(mask.dtype)

    @staticmethod
    def fit(examples: Iterable[Tuple[np.ndarray, np.ndarray, Iterable[int]]],
            area_threshold: int = 100, reference_size: Tuple[int, int] = (160, 240),
            region: str = 'class', max_depth: int = 4, seed: int = 0) -> 'LearnedNOS':
        """Fit on ``examples`` = [(pred_mask, true_mask, known_classes)]; returns a LearnedNOS."""
        from sklearn.tree import DecisionTreeClassifier
        sizer = NewObjectSuppression(area_threshold, reference_size, region)
        xs, ys = [], []
        for pred, gt, known in examples:
            f, y = best_actions(np.asarray(pred), np.asarray(gt), {int(k) for k in known}, sizer, region)
            xs.append(f)
            ys.append(y)
        x, y = np.concatenate(xs), np.concatenate(ys)
        if not len(x):
            raise ValueError('no predicted regions to learn from')
        clf = DecisionTreeClassifier(max_depth=max_depth, random_state=seed).fit(x, y)
        t = clf.tree_
        tree = dict(features=list(FEATURES), left=t.children_left.tolist(), right=t.children_right.tolist(),
                    feature=t.feature.tolist(), threshold=t.threshold.tolist(),
                    action=[int(clf.classes_[np.argmax(v)]) for v in t.value[:, 0]],
                    samples=int(len(x)), train_accuracy=float(clf.score(x, y)))
        return LearnedNOS(area_threshold=area_threshold, reference_size=reference_size, region=region,
                          tree=tree)

    def save(self, path: str) -> None:
        """Writes the tree as JSON (the ``model_file`` of a config)."""
        tree = {k: v.tolist() if isinstance(v, np.ndarray) else v for k, v in self.tree.items()}
        write_json_atomic(path, tree, indent=None)
