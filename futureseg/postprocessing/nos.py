"""New Object Suppression (NOS): the winners' test-time clean-up of predicted masks.

An object that the segmenter did not see in frames 1-11 rarely appears in a predicted frame 22
for a good reason; more often the predictor hallucinated or mis-coloured a known object.

Known objects = the classes seen in frames 1-11 (the segmenter's masks at test time, or true
masks for reference). Two passes over the predicted mask:

* pass 1, each region of an unknown class:
  small (area < threshold): the class of a touching known neighbour, else background;
  large: a touching known neighbour's class, else the known class with the closest
  attributes (penalties colour 4, shape 2, material 1; lowest total wins).
* pass 2, each region of a known class with area < threshold: background.

A "region" is, by default, all the pixels of one class id (as in the winners' code, although
their function is named after connected components); ``region='component'`` uses 4-connected
components instead. Neighbours are 4-adjacent pixels of other non-background known classes;
among several, the one sharing the longest border wins (ties: lower class id).
"""
from typing import Dict, Set, Tuple

import numpy as np
from scipy import ndimage

from futureseg.structures.metainfo import NUM_CLASSES, attributes
from futureseg.registry import POSTPROCESSORS
from .base import BasePostProcessor

_FOUR = ndimage.generate_binary_structure(2, 1)


def attribute_distance(a: int, b: int, color: float = 4, shape: float = 2,
                       material: float = 1) -> float:
    """Penalty between two object classes: sum of the weights of the attributes that differ."""
    sa, ma, ca = attributes(a)
    sb, mb, cb = attributes(b)
    return color * (ca != cb) + shape * (sa != sb) + material * (ma != mb)


def regions_of(mask: np.ndarray, region: str) -> Tuple[np.ndarray, np.ndarray]:
    """Label image (int32, 0 = background) and each region's class, for 'class' or 'component'."""
    if region == 'class':
        labels = mask.astype(np.int32)
        labels[mask >= NUM_CLASSES] = 0
        ids = np.unique(labels)
        cls = np.zeros(max(NUM_CLASSES, labels.max() + 1), np.int64)
        cls[ids] = ids
        return labels, cls
    if region != 'component':
        raise ValueError(f"region must be 'class' or 'component', got {region!r}")
    labels = np.zeros(mask.shape, np.int32)
    cls = [0]
    for c in np.unique(mask):
        if c == 0 or c >= NUM_CLASSES:
            continue
        comp, n = ndimage.label(mask == c, structure=_FOUR)
        labels[comp > 0] = comp[comp > 0] + len(cls) - 1
        cls += [int(c)] * n
    return labels, np.array(cls, np.int64)


def adjacency(labels: np.ndarray) -> Dict[int, Dict[int, int]]:
    """{region: {neighbour region: shared border length}} over 4-adjacent pixel pairs."""
    a = np.concatenate([labels[:, :-1].ravel(), labels[:-1, :].ravel()])
    b = np.concatenate([labels[:, 1:].ravel(), labels[1:, :].ravel()])
    diff = a != b
    a, b = a[diff], b[diff]
    pairs, counts = np.unique(np.stack([np.concatenate([a, b]), np.concatenate([b, a])]), axis=1,
                              return_counts=True)
    adj = {}
    for (x, y), n in zip(pairs.T, counts):
        adj.setdefault(int(x), {})[int(y)] = int(n)
    return adj


def known_borders(region: int, adj: Dict[int, Dict[int, int]], region_class: np.ndarray,
                  known: Set[int]) -> Dict[int, int]:
    """{known class: border length it shares with ``region``} over the touching regions.

    Args:
        region (int): the region's label.
        adj (dict): ``adjacency(labels)``.
        region_class (np.ndarray): class of each region label (as decided so far).
        known (set[int]): the classes that count.
    """
    borders = {}
    for nb, n in adj.get(region, {}).items():
        c = int(region_class[nb])
        if c in known:
            borders[c] = borders.get(c, 0) + n
    return borders


def longest_border(borders: Dict[int, int]) -> int:
    """The class sharing the longest border (ties: the lower id); 0 when there is none."""
    return min(borders, key=lambda c: (-borders[c], c)) if borders else 0


@POSTPROCESSORS.register_module()
class NewObjectSuppression(BasePostProcessor):
    """NOS as described above (the module's docstring).

    Args:
        area_threshold (int): Regions smaller than this (in pixels at ``reference_size``;
            scaled with the image area) are small. Default: 100.
        reference_size (tuple[int, int]): (H, W) at which ``area_threshold`` holds.
            Default: (160, 240).
        region (str): 'class' (all pixels of one class id, the winners' behaviour) or
            'component' (4-connected components). Default: 'class'.
        color_penalty (float): Attribute penalty of a different colour. Default: 4.
        shape_penalty (float): Attribute penalty of a different shape. Default: 2.
        material_penalty (float): Attribute penalty of a different material. Default: 1.
        suppress_small_known (bool): Run pass 2 (small known regions become background).
            Default: True.
    """

    def __init__(self, area_threshold: int = 100, reference_size: Tuple[int, int] = (160, 240),
                 region: str = 'class', color_penalty: float = 4, shape_penalty: float = 2,
                 material_penalty: float = 1, suppress_small_known: bool = True):
        self.area_threshold, self.reference_size = area_threshold, tuple(reference_size)
        self.region = region
        self.penalties = dict(color=color_penalty, shape=shape_penalty, material=material_penalty)
        self.suppress_small_known = suppress_small_known
        regions_of(np.zeros((1, 1), np.uint8), region)  # validates `region` at build time

    def threshold_for(self, shape: Tuple[int, ...]) -> float:
        """The area threshold for a mask of ``shape`` (H, W)."""
        ref = self.reference_size[0] * self.reference_size[1]
        return self.area_threshold * (shape[0] * shape[1]) / ref

    def closest_known(self, cls: int, known: Set[int]) -> int:
        """The known class with the lowest attribute penalty to ``cls`` (ties: lower id);
        0 when nothing is known."""
        if not known:
            return 0
        return min(sorted(known), key=lambda k: attribute_distance(cls, k, **self.penalties))

    def process(self, mask: np.ndarray, known: Set[int]) -> np.ndarray:
        """mask: (H, W) class ids; known: the known object classes. Returns a new mask."""
        thr = self.threshold_for(mask.shape)
        labels, cls = regions_of(mask, self.region)
        area = np.bincount(labels.ravel(), minlength=len(cls))
        adj = adjacency(labels)
        new_cls = cls.copy()
        unknown = [r for r in range(1, len(cls)) if area[r] and cls[r] not in known]
        for r in sorted(unknown, key=lambda r: (cls[r], r)):
            # neighbours as decided so far: a region already given a known class counts
            borders = known_borders(r, adj, new_cls, known)
            if borders:
                new_cls[r] = longest_border(borders)
            elif area[r] < thr:
                new_cls[r] = 0
            elif known:
                new_cls[r] = self.closest_known(int(cls[r]), known)
        out = np.where(labels > 0, new_cls[labels], mask).astype(mask.dtype)
        if self.suppress_small_known:
            labels, cls = regions_of(out, self.region)
            area = np.bincount(labels.ravel(), minlength=len(cls))
            small = (area < thr) & np.isin(cls, list(known))
            small[0] = False
            out[small[labels]] = 0
        return out
