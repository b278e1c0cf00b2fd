"""Writes generated videos in the course layout, atomically, deterministically, in parallel.

Layout (see the design notes): ROOT/<split>/video_<N>/image_<k>.png, mask.npy (T, H, W)
uint8, scene.json. Videos are numbered consecutively over the splits in the order
train, val, unlabeled, hidden (as in the course: train 0.., val next, ...). The hidden split
keeps only the first 11 frames, no mask and no scene; with ``hidden_truth`` its masks and
scenes go to ROOT/hidden_truth/ for offline scoring.

Every video's randomness comes from ``SeedSequence([seed, video_id])``, so a video is the same
bytes whatever the worker count, shard or order. A video is written into a temporary folder
and renamed when complete: a killed run leaves no half video and a rerun skips finished ones.

ROOT/generator.json records the generator version and the settings every video of the root
shares (size, seed, sampler, metal shading); adding videos with another version or other
settings is refused, so a data set never silently mixes two looks. Roots without the file were
written by version 1 (metal shaded like rubber); they still load, but are not extended.
"""
import inspect
import json
import multiprocessing as mp
import os
import os.path as osp
import shutil

import numpy as np
from PIL import Image

from futureseg.registry import SCENE_SAMPLERS
from futureseg.utils.io import write_json_atomic

# 1: MuJoCo's Phong shading for every object (metal looked like rubber).
# 2: metal re-shaded as a CLEVR-like tinted mirror (metal.py); motion and masks unchanged.
GENERATOR_VERSION = 2
GENERATOR_FILE = 'generator.json'
SPLITS = ('train', 'val', 'unlabeled', 'hidden')
HIDDEN_FRAMES = 11
SCENE_FILE = 'scene.json'
TMP_PREFIX = '.tmp_'


def plan_videos(sizes):
    """[(split, video_id)] numbered consecutively over SPLITS in order."""
    unknown = set(sizes) - set(SPLITS)
    if unknown:
        raise ValueError(f'unknown split(s) {sorted(unknown)}; splits are {SPLITS}')
    plan, next_id = [], 0
    for split in SPLITS:
        n = int(sizes.get(split, 0))
        if n < 0:
            raise ValueError(f'split size must be >= 0, got {split}={n}')
        plan += [(split, next_id + i) for i in range(n)]
        next_id += n
    return plan


def video_rng(seed, video_id):
    return np.random.default_rng(np.random.SeedSequence([int(seed), int(video_id)]))


def _write_png(path, array):
    Image.fromarray(array).save(path, compress_level=6)


def _write_json(path, obj):
    with open(path, 'w') as f:
        json.dump(obj, f, indent=1, sort_keys=True)


def is_external_root(root: str) -> bool:
    """True where ``root`` holds course-layout videos that this generator did not make: no
    ROOT/generator.json and no scene.json in the first video of any split (the course's own
    data, or a conversion of it). Recipes then use the videos as they are."""
    if osp.isfile(osp.join(root, GENERATOR_FILE)):
        return False
    found = False
    for split in SPLITS:
        split_dir = osp.join(root, split)
        if not osp.isdir(split_dir):
            continue
        videos = [n for n in os.listdir(split_dir) if n.startswith('video_')]
        if videos:
            found = True
            if osp.isfile(osp.join(split_dir, videos[0], SCENE_FILE)):
                return False  # generated (version 1 wrote no generator.json)
    return found


def read_generator_info(root: str):
    """ROOT/generator.json as a dict; None where the root has none (generator version 1 or not
    generated). A corrupt file is an error naming it."""
    path = osp.join(root, GENERATOR_FILE)
    if not osp.isfile(path):
        return None
    try:
        with open(path) as f:
            info = json.load(f)
    except (OSError, ValueError) as err:
        raise ValueError(f'{path}: unreadable generator record ({err}); delete it only if the '
                         f'videos of {root} were all made with the same settings') from err
    if not isinstance(info, dict) or 'version' not in info:
        raise ValueError(f'{path}: not a generator record (no "version" key)')
    return info


def _object_visibility(scene, masks):
    present = np.zeros((len(scene['objects']), masks.shape[0]), bool)
    counts = np.bincount(
        (masks.astype(np.int64) + 256 * np.arange(masks.shape[0])[:, None, None]).ravel(),
        minlength=256 * masks.shape[0]).reshape(masks.shape[0], 256)
    for k, obj in enumerate(scene['objects']):
        present[k] = counts[:, obj['class_id']] > 0
        frames = np.flatnonzero(present[k])
        obj['entry_frame'] = int(frames[0]) if len(frames) else None
        obj['visible_frames'] = int(len(frames))
        obj['mean_pixels'] = round(float(counts[frames, obj['class_id']].mean()), 1) if len(frames) else 0.0
    return scene


class SyntheticVideoWriter:
    """Generates and writes videos.

    Args:
        root (str): data set root.
        sampler (dict, optional): SCENE_SAMPLERS config. Default ``CLEVRERSceneSampler``.
        width (int): image width. Default 240 (the course's).
        height (int): image height. Default 160.
        seed (int): global seed. Default 0.
        hidden_truth (bool): also write the hidden split's masks and scenes to
            ROOT/hidden_truth. Default False.
        metal (str): metal shading, 'reflection' or 'phong' (see ``MujocoSceneRenderer``).
            Default 'reflection'.
    """

    def __init__(self, root, sampler=None, width=240, height=160, seed=0, hidden_truth=False,
                 metal='reflection'):
        self.root = root
        self.sampler_cfg = dict(sampler or dict(type='CLEVRERSceneSampler'))
        self.width, self.height = int(width), int(height)
        self.seed = int(seed)
        self.hidden_truth = hidden_truth
        self.metal = metal
        self._sampler = None
        self._renderer = None

    def __getstate__(self):  # sent to worker processes without the built sampler/renderer
        state = self.__dict__.copy()
        state['_sampler'] = state['_renderer'] = None
        return state

    # Built lazily so that each worker process builds its own (OpenGL contexts don't fork).
    @property
    def sampler(self):
        if self._sampler is None:
            import futureseg.datasets.synthetic  # noqa: F401  registers the samplers
            self._sampler = SCENE_SAMPLERS.build(self.sampler_cfg)
        return self._sampler

    @property
    def renderer(self):
        if self._renderer is None:
            from .render import MujocoSceneRenderer
            self._renderer = MujocoSceneRenderer(self.width, self.height, metal=self.metal)
        return self._renderer

    def video_dir(self, split, video_id):
        return osp.join(self.root, split, f'video_{video_id}')

    def is_done(self, split, video_id):
        done = osp.isdir(self.video_dir(split, video_id))
        if split == 'hidden' and self.hidden_truth:
            done = done and osp.isdir(osp.join(self.root, 'hidden_truth', f'video_{video_id}'))
        return done

    def make_video(self, video_id):
        """Sample, simulate and render one video: (scene, frames, masks).

        Renders in this process; ``run`` keeps rendering out of the calling process.
        """
        scene = self.sampler(video_rng(self.seed, video_id), self.width, self.height)
        out = self.renderer.render(scene)
        scene = _object_visibility(scene, out['masks'])
        for obj, traj in zip(scene['objects'], out['trajectories']):
            obj['trajectory'] = np.round(traj, 4).tolist()
        scene.update(video_id=int(video_id), seed=self.seed, collisions=out['collisions'],
                     width=self.width, height=self.height, generator_version=GENERATOR_VERSION)
        return scene, out['frames'], out['masks']

    def write_video(self, split, video_id):
        """Write one video unless it exists. Returns True if it was written."""
        if self.is_done(split, video_id):
            return False
        scene, frames, masks = self.make_video(video_id)
        scene['split'] = split
        targets = [(self.video_dir(split, video_id), split != 'hidden')]
        if split == 'hidden' and self.hidden_truth:
            targets.append((osp.join(self.root, 'hidden_truth', f'video_{video_id}'), None))
        for final, full in targets:
            if osp.isdir(final):
                continue
            parent, name = osp.split(final)
            os.makedirs(parent, exist_ok=True)
            tmp = osp.join(parent, f'{TMP_PREFIX}{name}_{os.getpid()}')
            shutil.rmtree(tmp, ignore_errors=True)
            os.makedirs(tmp)
            if full is None:  # hidden truth: masks and scene only
                np.save(osp.join(tmp, 'mask.npy'), masks)
                _write_json(osp.join(tmp, SCENE_FILE), scene)
            else:
                n = frames.shape[0] if full else HIDDEN_FRAMES
                for k in range(n):
                    _write_png(osp.join(tmp, f'image_{k}.png'), frames[k])
                if full:
                    np.save(osp.join(tmp, 'mask.npy'), masks)
                    _write_json(osp.join(tmp, SCENE_FILE), scene)
            os.rename(tmp, final)
        return True

    def _remove_stale_tmp(self, plan):
        """Drop half-written videos of a killed run (only this shard's: other shards may be
        writing into the same folders right now)."""
        mine = {f'video_{vid}' for _, vid in plan}
        for sub in {split for split, _ in plan} | {'hidden_truth'}:
            folder = osp.join(self.root, sub)
            if not osp.isdir(folder):
                continue
            for name in os.listdir(folder):
                if name.startswith(TMP_PREFIX) and name[len(TMP_PREFIX):].rsplit('_', 1)[0] in mine:
                    shutil.rmtree(osp.join(folder, name), ignore_errors=True)

    def generator_info(self) -> dict:
        """What ROOT/generator.json records: the version and the settings shared by all videos
        (the sampler's with its defaults filled in, so that equal settings compare equal
        however they were spelled)."""
        import futureseg.datasets.synthetic  # noqa: F401  registers the samplers
        cfg = dict(self.sampler_cfg)
        cls = SCENE_SAMPLERS.get(cfg['type'])
        if cls is None:
            raise KeyError(f'{cfg["type"]!r} is not a registered scene sampler')
        bound = inspect.signature(cls).bind(**{k: v for k, v in cfg.items() if k != 'type'})
        bound.apply_defaults()
        sampler = dict(type=cfg['type'], **bound.arguments)
        return json.loads(json.dumps(dict(  # as it reads back from JSON (tuples -> lists)
            generator='futureseg.datasets.synthetic', version=GENERATOR_VERSION, width=self.width,
            height=self.height, seed=self.seed, sampler=sampler, metal=self.metal)))

    def claim_root(self):
        """Write ROOT/generator.json, or check that the root's videos were made by this version
        with these settings. Raises ValueError, naming the root and what differs, otherwise."""
        mine = self.generator_info()
        theirs = read_generator_info(self.root)
        if theirs is None:
            old = [s for s in SPLITS + ('hidden_truth', ) if osp.isdir(osp.join(self.root, s))
                   and any(n.startswith('video_') for n in os.listdir(osp.join(self.root, s)))]
            if old:
                raise ValueError(
                    f'{self.root} already holds videos ({", ".join(old)}) but no {GENERATOR_FILE}: '
                    f'they were made by generator version 1, whose metal looks like rubber. This '
                    f'is version {GENERATOR_VERSION}; adding to them would mix two looks in one '
                    f'data set. Generate into a new root (or delete {self.root}).')
            write_json_atomic(osp.join(self.root, GENERATOR_FILE), mine)
            return
        differ = {k: (theirs.get(k), v) for k, v in mine.items() if theirs.get(k) != v}
        if differ:
            what = '; '.join(f'{k}: {a!r} there, {b!r} now' for k, (a, b) in differ.items())
            raise ValueError(f'{self.root} was generated with other settings ({what}); one data '
                             f'set never mixes them: generate into a new root.')

    def run(self, sizes, workers=1, shard=(0, 1), progress=True):
        """Write every planned video of this shard. Returns (written, skipped)."""
        index, count = shard
        if not 0 <= index < count:
            raise ValueError(f'shard must be i/n with 0 <= i < n, got {index}/{count}')
        self.claim_root()
        plan = [p for k, p in enumerate(plan_videos(sizes)) if k % count == index]
        self._remove_stale_tmp(plan)
        todo = [p for p in plan if not self.is_done(*p)]
        skipped = len(plan) - len(todo)
        bar = None
        if progress and todo:
            from mmengine.utils import ProgressBar
            bar = ProgressBar(len(todo))
        if todo:
            # Always in spawned worker processes: a process that has rendered with OSMesa
            # crashes later inside torch (seen: torch.optim.Adam after rendering, torch
            # 2.14.1+cu130), and a forked child of it would deadlock on OSMesa's locks.
            ctx = mp.get_context('spawn')
            with ctx.Pool(max(1, workers), initializer=_init_worker, initargs=(self, )) as pool:
                for _ in pool.imap_unordered(_write_in_worker, todo, chunksize=1):
                    bar and bar.update()
        if bar is not None:
            print()
        return len(todo), skipped


_WORKER = None


def _init_worker(writer):
    global _WORKER
    _WORKER = writer


def _write_in_worker(item):
    return _WORKER.write_video(*item)
