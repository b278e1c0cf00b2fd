"""Checking a course-layout root: every problem of every video at once (tools/check_dataset.py).

The datasets stop at the first bad file (or skip it, ``on_error='skip'``); before a long
training on data from elsewhere (the course's own files, a copy, a conversion) it pays to
know everything that is wrong in one pass. The checks are the loaders' own
(``layout.load_frame``, ``layout.read_mask_array``, ``layout.mask_problems``), plus what a
loader only notices as a missing file: empty videos, gaps in the frame numbering, frames of
another size and gaps in the video numbering.

Each kind of problem is an error or a note (``NOTE_KINDS``). Errors are what a loader
raises on (or drops the sample for, with ``on_error='skip'``). Notes are quirks of the data
that the loaders handle, as the course's own data has them: gaps in the video numbering
(the datasets list the ``video_<N>`` folders there are) and class ids >= 49 (read as ignore,
255). An extra frame (``image_22.png``) stays an error: the datasets read only frames
0-21, but ``build_frame_cache`` sizes the cache by the first video's frames, so a first
video with 23 makes every other one look short.
"""
import os
import os.path as osp
import re
from collections import OrderedDict
from typing import Iterable, Optional, Sequence

from .layout import DataError, list_videos, load_frame, mask_problems, read_mask_array

SPLITS = ('train', 'val', 'unlabeled', 'hidden')
LABELLED = ('train', 'val')  # splits whose videos must have a mask.npy
NUM_FRAMES = dict(hidden=11)  # frames per video; 22 in the other splits
_FRAME_RE = re.compile(r'^image_(\d+)\.png$')

# Every kind of problem, in the order they are reported.
KINDS = ('missing split', 'empty split', 'video numbering gap', 'empty video', 'numbering gap',
         'missing frame', 'extra frame', 'corrupt frame', 'frame size', 'missing mask',
         'corrupt mask', 'mask shape', 'mask dtype', 'mask range', 'ids >= 49')
# The kinds the loaders handle (notes, not errors; ``strict`` counts them as errors), with
# how they handle them.
NOTE_KINDS = OrderedDict([
    ('video numbering gap', 'the datasets take the video_<N> folders there are, in numeric order'),
    ('ids >= 49', 'the loaders read them as ignore, 255: no loss, no metric'),
])


def frame_numbers(video_dir: str) -> list:
    """Sorted k of the ``image_<k>.png`` files of a video folder."""
    return sorted(int(m.group(1)) for m in map(_FRAME_RE.match, os.listdir(video_dir)) if m)


def check_video(video_dir: str, num_frames: int = 22, need_mask: bool = True,
                size: Optional[tuple] = None) -> list:
    """Every problem of one video folder, as ``[(kind, message)]``.

    Args:
        video_dir (str): the ``video_<N>`` folder.
        num_frames (int): frames it should hold (22; 11 in the hidden split). Default 22.
        need_mask (bool): it must have a mask.npy (labelled splits). A mask that is there is
            checked either way. Default True.
        size (tuple, optional): (H, W) every frame must have; default that of its first frame.
    """
    found = frame_numbers(video_dir)
    mask_path = osp.join(video_dir, 'mask.npy')
    if not found:
        return [('empty video', f'{video_dir}: no image_<k>.png frames')]
    problems = []
    present = set(found)
    last = found[-1]
    problems += [('numbering gap', f'{osp.join(video_dir, f"image_{k}.png")} missing '
                  f'(the frames run image_{found[0]}..image_{last})')
                 for k in range(min(last, num_frames)) if k not in present]
    problems += [('missing frame', f'{osp.join(video_dir, f"image_{k}.png")} missing (the video '
                  f'stops at image_{last}.png, {num_frames} frames expected)')
                 for k in range(last + 1, num_frames)]
    problems += [('extra frame', f'{osp.join(video_dir, f"image_{k}.png")}: more than '
                  f'{num_frames} frames') for k in found if k >= num_frames]
    for k in found:
        if k >= num_frames:
            continue
        path = osp.join(video_dir, f'image_{k}.png')
        try:
            frame = load_frame(path)
        except DataError as err:
            problems.append(('corrupt frame', str(err)))
            continue
        if size is None:
            size = frame.shape[:2]
        elif frame.shape[:2] != tuple(size):
            problems.append(('frame size', f'{path} is {frame.shape[1]}x{frame.shape[0]}, '
                             f'expected {size[1]}x{size[0]}'))
    if osp.isfile(mask_path) or need_mask:
        try:
            mask = read_mask_array(mask_path)
        except DataError as err:
            kind = 'missing mask' if not osp.isfile(mask_path) else 'corrupt mask'
            problems.append((kind, str(err)))
        else:
            # a labelled video's mask has one frame per frame; elsewhere any count
            problems += mask_problems(mask, mask_path, num_frames if need_mask else None, size)
    return problems


def _first_frame_size(videos):
    """(H, W) of the first readable frame of a split, None if there is none."""
    for _, path in videos:
        for k in frame_numbers(path):
            try:
                return load_frame(osp.join(path, f'image_{k}.png')).shape[:2]
            except DataError:
                continue
    return None


def _check_one(args):
    return args[0], check_video(*args[1:])


def _plural(n: int, word: str) -> str:
    return f'{n} {word}' + ('' if n == 1 else 's')


class DataReport:
    """What ``check_root`` found: per kind of problem the messages (each names a file),
    and per split the number of videos checked.

    The kinds in ``NOTE_KINDS`` are notes (quirks the loaders handle), the others errors;
    with ``strict=True`` the methods count notes as errors too.

    Args:
        root (str): The data set root checked.
    """

    def __init__(self, root: str):
        self.root = root
        self.problems = OrderedDict((k, []) for k in KINDS)
        self.videos = OrderedDict()

    def add(self, kind: str, message: str):
        self.problems.setdefault(kind, []).append(message)

    def errors(self, strict: bool = False) -> OrderedDict:
        """The kinds found that are errors, with their messages."""
        return OrderedDict((k, v) for k, v in self.problems.items()
                           if v and (strict or k not in NOTE_KINDS))

    def notes(self, strict: bool = False) -> OrderedDict:
        """The kinds found that are notes (none with ``strict``), with their messages."""
        return OrderedDict((k, v) for k, v in self.problems.items()
                           if v and not strict and k in NOTE_KINDS)

    def count(self, strict: bool = False) -> int:
        """The number of errors (what the exit status goes by)."""
        return sum(len(v) for v in self.errors(strict).values())

    def format(self, max_files: int = 5, strict: bool = False) -> str:
        """A readable report: videos per split, the errors, then the notes (per kind its
        count and first ``max_files`` files), and a summary line."""
        checked = ', '.join(f'{s} {n} videos' for s, n in self.videos.items()) or 'nothing'
        lines = [f'checked {self.root}: {checked}']
        errors, notes = self.errors(strict), self.notes(strict)

        def section(title, kinds):
            lines.append(title)
            for kind, messages in kinds.items():
                why = f' ({NOTE_KINDS[kind]})' if kind in NOTE_KINDS else ''
                lines.append(f'  {kind}: {len(messages)}{why}')
                lines.extend(f'    {m}' for m in messages[:max_files])
                if len(messages) > max_files:
                    lines.append(f'    ... and {len(messages) - max_files} more')

        if errors:
            section('errors (the loaders fail on these' + (
                '; --strict: notes too' if strict else '') + '):', errors)
        if notes:
            section('notes (quirks the loaders handle; --strict makes them errors):', notes)
        n_err = sum(len(v) for v in errors.values())
        n_note = sum(len(v) for v in notes.values())
        summary = [f'{n_err} error(s) of {_plural(len(errors), "kind")}' if errors
                   else 'no errors']
        if notes:
            summary.append(f'{n_note} note(s) of {_plural(len(notes), "kind")} '
                           '(the loaders handle these)')
        lines.append('; '.join(summary) if errors or notes else 'no problems found')
        return '\n'.join(lines)


def check_root(root: str, splits: Optional[Sequence[str]] = None, workers: int = 0,
               progress: bool = False) -> DataReport:
    """Checks every video of the chosen splits of a course-layout root.

    Args:
        root (str): the data set root (holding train/, val/, unlabeled/, hidden/).
        splits (Sequence[str], optional): splits to check; a named split that is missing is
            a problem. Default: those of train / val / unlabeled / hidden that exist.
        workers (int): processes that decode frames in parallel (0: this process). Default 0.
        progress (bool): show a progress bar. Default False.

    Returns:
        DataReport: the problems by kind (errors and notes).
    """
    report = DataReport(root)
    if not osp.isdir(root):
        report.add('missing split', f'{root}: no such folder')
        return report
    if splits is None:
        splits = [s for s in SPLITS if osp.isdir(osp.join(root, s))] or list(SPLITS)
    jobs = []
    for split in splits:
        split_dir = osp.join(root, split)
        if not osp.isdir(split_dir):
            report.add('missing split', f'{split_dir}: no such folder')
            continue
        try:
            videos = list_videos(split_dir)
        except DataError as err:
            report.add('empty split', str(err))
            continue
        report.videos[split] = len(videos)
        ids = [v for v, _ in videos]
        for a, b in zip(ids, ids[1:]):
            if b > a + 1:
                gap = f'video_{a + 1}' if b == a + 2 else f'video_{a + 1}..video_{b - 1}'
                report.add('video numbering gap',
                           f'{split_dir}: {gap} missing between video_{a} and video_{b}')
        size = _first_frame_size(videos)  # every frame of the split must have this size
        jobs += [(split, path, NUM_FRAMES.get(split, 22), split in LABELLED, size)
                 for _, path in videos]
    bar = None
    if progress and jobs:
        from mmengine.utils import ProgressBar
        bar = ProgressBar(len(jobs))
    if workers > 0:
        import multiprocessing as mp
        # fork where there is one: the workers only decode files, and a spawned worker would
        # spend seconds importing futureseg (and torch) again
        method = 'fork' if 'fork' in mp.get_all_start_methods() else 'spawn'
        with mp.get_context(method).Pool(workers) as pool:
            results = pool.imap(_check_one, jobs, chunksize=4)
            for _, problems in results:
                for kind, message in problems:
                    report.add(kind, message)
                bar and bar.update()
    else:
        for job in jobs:
            for kind, message in _check_one(job)[1]:
                report.add(kind, message)
            bar and bar.update()
    if bar is not None:
        print()
    return report
