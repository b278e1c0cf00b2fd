"""Datasets over the course layout: whole videos (SimVP stages) and single frames (segmenter)."""
import os.path as osp
from typing import List, Optional, Sequence, Union

from mmengine.dataset import BaseDataset, ConcatDataset
from mmengine.logging import MMLogger

from futureseg.registry import DATASETS, FILTERS
from mmseg.datasets import BaseSegDataset
from .frame_cache import FrameCache
from .layout import DataError, list_videos, load_mask
from .metainfo import METAINFO
from .samplers import SeededSamplesMixin

MODES = ('frames', 'future_masks', 'last_mask', 'inputs_only')


class _CourseLayoutMixin(SeededSamplesMixin):
    """Lists a split's videos, checks their files, applies data-cleaning filters; loads a
    sample under its seed when the sampler gives one (``SeededDefaultSampler``)."""

    def _list_checked_videos(self, need_masks):
        split_dir = osp.join(self.data_root, self.split)
        videos = list_videos(split_dir)
        logger = MMLogger.get_current_instance()
        self.frame_cache = None
        if self.use_cache:
            self.frame_cache = FrameCache.open_if_fresh(split_dir, videos, logger)
            if self.frame_cache is None and self.use_cache == 'require':
                raise DataError(f'no fresh frame cache for {split_dir}; build it with '
                                f'tools/build_frame_cache.py {self.data_root} --splits {self.split}')
        problems, kept = [], []
        for vid, path in videos:
            missing = [f'image_{k}.png' for k in range(self.num_frames_on_disk)
                       if not osp.isfile(osp.join(path, f'image_{k}.png'))]
            mask_path = self._mask_path(vid, path) if need_masks else None
            if mask_path is not None and not osp.isfile(mask_path):
                missing.append(mask_path)
            if missing:
                problems.append(f'{path}: missing {", ".join(missing[:4])}'
                                + (f' and {len(missing) - 4} more' if len(missing) > 4 else ''))
                continue
            kept.append((vid, path, mask_path))
        if problems:
            if self.on_error == 'raise':
                raise DataError(f'{len(problems)} incomplete video(s) in {split_dir}:\n  '
                                + '\n  '.join(problems[:10]))
            logger.warning(f'skipping {len(problems)} incomplete video(s) in {split_dir}, e.g. '
                           f'{problems[0]}')
        if self.filters:
            kept = self._apply_filters(kept, logger)
        if not kept:
            raise DataError(f'no usable videos left in {split_dir}')
        return kept

    def _mask_path(self, vid, path):
        root = self.mask_root or osp.join(self.data_root, self.split)
        return osp.join(root, f'video_{vid}', 'mask.npy')

    def _apply_filters(self, videos, logger):
        filters = [FILTERS.build(f) if isinstance(f, dict) else f for f in self.filters]
        kept = []
        for vid, path, mask_path in videos:
            if mask_path is None:
                raise ValueError('data-cleaning filters need masks; this dataset mode has none')
            masks = load_mask(mask_path)
            if all(f(masks, dict(video_id=vid, video_dir=path)) for f in filters):
                kept.append((vid, path, mask_path))
        logger.info(f'{self.split}: filters kept {len(kept)} of {len(videos)} videos')
        return kept

    def _cache_fields(self, vid):
        if self.frame_cache is None:
            return {}
        return dict(cache_dir=self.frame_cache.cache_dir, cache_index=self.frame_cache.index[vid],
                    cache_has_masks=self.frame_cache.has_masks and self.mask_root is None)

    def prepare_data(self, idx):
        try:
            return super().prepare_data(idx)
        except DataError as err:
            if self.on_error == 'raise' or self.test_mode:
                raise
            self.num_skipped = getattr(self, 'num_skipped', 0) + 1
            MMLogger.get_current_instance().warning(
                f'skipping a bad sample ({self.num_skipped} so far): {err}')
            return None  # BaseDataset then draws another sample


@DATASETS.register_module()
class FutureSegVideoDataset(_CourseLayoutMixin, BaseDataset):
    """Videos of one split of the course layout, one sample per video.

    Args:
        data_root (str): The data set root (holding train/, val/, unlabeled/, hidden/).
        split (str): Folder under data_root. Default: 'train'.
        mode (str): What a sample holds (the pipeline loads what the mode needs, see
            ``LoadVideo``). Default: 'future_masks'.

            - 'frames': frames 1-11 -> frames 12-22 (pre-training; labelled or not);
            - 'future_masks': frames 1-11 -> masks of frames 12-22;
            - 'last_mask': frames 1-11 -> mask of frame 22 only;
            - 'inputs_only': frames 1-11 (hidden split, submissions).
        mask_root (str, optional): Read masks from ``mask_root/video_N/mask.npy`` instead of
            the split's own (pseudo-labels of unlabelled videos). Default: None.
        context_mask_root (str, optional): ``context_mask_root/video_N/mask.npy`` holds the
            masks a mask-space model reads for the input frames (a segmenter's masks, written
            by tools/pseudo_label.py); None takes those from the true masks. Default: None.
        num_input_frames (int): Input frames per video. Default: 11.
        num_frames (int): Frames in a full video. Default: 22.
        filters (Sequence[dict]): FILTERS configs (or built filters); a video is kept when
            all keep it. Default: ().
        on_error (str): 'raise' or 'skip' bad videos, counted in the log. Default: 'raise'.
        use_cache (bool | str): Use the split's frame cache when it is fresh; 'require'
            refuses to run without one. Default: True.
        **kwargs: As MMEngine's BaseDataset (``pipeline``, ``indices``, ``test_mode``,
            ``serialize_data``, ``lazy_init``, ``max_refetch``).
    """
    METAINFO = METAINFO

    def __init__(self,
                 data_root: str,
                 split: str = 'train',
                 mode: str = 'future_masks',
                 mask_root: Optional[str] = None,
                 context_mask_root: Optional[str] = None,
                 num_input_frames: int = 11,
                 num_frames: int = 22,
                 filters: Sequence[dict] = (),
                 on_error: str = 'raise',
                 use_cache: Union[bool, str] = True,
                 **kwargs):
        if mode not in MODES:
            raise ValueError(f'mode must be one of {MODES}, got {mode!r}')
        if on_error not in ('raise', 'skip'):
            raise ValueError(f"on_error must be 'raise' or 'skip', got {on_error!r}")
        self.split, self.mode, self.mask_root = split, mode, mask_root
        self.context_mask_root = context_mask_root
        self.num_input_frames, self.num_frames = num_input_frames, num_frames
        self.num_frames_on_disk = num_input_frames if mode == 'inputs_only' else num_frames
        self.filters, self.on_error, self.use_cache = list(filters), on_error, use_cache
        super().__init__(data_root=data_root, **kwargs)

    def load_data_list(self) -> List[dict]:
        need_masks = self.mode in ('future_masks', 'last_mask') or bool(self.filters)
        data_list = []
        for vid, path, mask_path in self._list_checked_videos(need_masks):
            info = dict(video_id=vid, video_dir=path, split=self.split, mode=self.mode,
                        num_input_frames=self.num_input_frames, num_frames=self.num_frames)
            if mask_path is not None:
                info['mask_path'] = mask_path
            if self.context_mask_root:
                ctx = osp.join(self.context_mask_root, f'video_{vid}', 'mask.npy')
                if not osp.isfile(ctx):
                    raise DataError(f'{path}: no context masks at {ctx}; write them with '
                                    f'tools/pseudo_label.py ... --split {self.split} --out {self.context_mask_root}')
                info['context_mask_path'] = ctx
            info.update(self._cache_fields(vid))
            data_list.append(info)
        return data_list


@DATASETS.register_module()
class FutureSegFrameDataset(_CourseLayoutMixin, BaseSegDataset):
    """Every frame of the labelled videos as an image + mask, for the frame segmenter.

    mmsegmentation's BaseSegDataset with the course layout's data list; use it with the
    ``LoadFrameAndMask`` transform and mmseg's augmentations / ``PackSegInputs``.

    Args:
        data_root (str): The data set root, as FutureSegVideoDataset's.
        split (str): Folder under data_root. Default: 'train'.
        frames (Sequence[int], optional): Indices of the frames used per video; None means
            all ``num_frames``. Default: None.
        mask_root (str, optional): As FutureSegVideoDataset's. Default: None.
        filters (Sequence[dict]): As FutureSegVideoDataset's. Default: ().
        on_error (str): As FutureSegVideoDataset's. Default: 'raise'.
        use_cache (bool | str): As FutureSegVideoDataset's. Default: True.
        num_frames (int): Frames in a full video. Default: 22.
        **kwargs: As mmseg's BaseSegDataset (``pipeline``, ``indices``, ``test_mode``, ...;
            ``reduce_zero_label`` defaults to False).
    """
    METAINFO = METAINFO

    def __init__(self, data_root: str, split: str = 'train', frames: Optional[Sequence[int]] = None,
                 mask_root: Optional[str] = None, filters: Sequence[dict] = (),
                 on_error: str = 'raise', use_cache: Union[bool, str] = True,
                 num_frames: int = 22, **kwargs):
        self.split, self.mask_root = split, mask_root
        self.frames = list(range(num_frames)) if frames is None else list(frames)
        self.num_frames_on_disk = num_frames
        self.filters, self.on_error, self.use_cache = list(filters), on_error, use_cache
        kwargs.setdefault('reduce_zero_label', False)
        super().__init__(data_root=data_root, img_suffix='.png', seg_map_suffix='.npy', **kwargs)

    def load_data_list(self) -> List[dict]:
        data_list = []
        for vid, path, mask_path in self._list_checked_videos(need_masks=True):
            extra = self._cache_fields(vid)
            for k in self.frames:
                data_list.append(dict(
                    img_path=osp.join(path, f'image_{k}.png'), mask_path=mask_path, frame_index=k,
                    video_id=vid, seg_map_path=None, label_map=self.label_map,
                    reduce_zero_label=False, seg_fields=[], **extra))
        return data_list




@DATASETS.register_module()
class SeededConcatDataset(SeededSamplesMixin, ConcatDataset):
    """MMEngine's ``ConcatDataset`` that loads each sample under the seed its index carries
    (``SeededSamplesMixin``): the plain wrapper would hand its datasets a plain index for all
    but the first, so their samples would draw from the loading process's generators.

    Args:
        datasets (Sequence[BaseDataset | dict]): The datasets (or their configs), as
            ``ConcatDataset``'s.
        lazy_init (bool): As ``ConcatDataset``'s. Default: False.
        ignore_keys (str | list[str], optional): Metainfo keys allowed to differ, as
            ``ConcatDataset``'s. Default: None.
    """
