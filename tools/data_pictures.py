"""Pictures that show how generated videos compare with the course data.

    python tools/data_pictures.py data/synth_check --course ../shared/course_samples --out docs/

Writes into ``--out``:
- ``synthetic_vs_course.png``: frames 1, 11 and 22 of three course videos (left, from
  ``COURSE/frames_1_11_22.png``) beside three generated videos that hold metal objects (right).
- ``material_crops.png``: one crop per colour (rows) and shape x material (columns: M metal,
  R rubber) from the generated videos, the largest view of each class, enlarged; with
  ``--course`` a last row of crops of the course frames' metal and rubber objects.
"""
import argparse
import json
import os
import os.path as osp

import numpy as np
from PIL import Image, ImageDraw

from futureseg.datasets.layout import list_videos, load_frame, load_mask
from futureseg.datasets.metainfo import COLORS, MATERIALS, SHAPES, class_id

SAMPLE_FRAMES = (0, 10, 21)
# Objects of ../shared/course_samples/frames_1_11_22.png (a 3 x 3 grid of 240 x 160 frames),
# boxes (left, top, right, bottom) picked by eye: the course's look of each material.
COURSE_CROPS = {
    'metal': [('red sphere', (328, 34, 356, 62)), ('gray cylinder', (336, 48, 368, 82)),
              ('purple sphere', (48, 394, 82, 428)), ('gray cylinder', (52, 364, 82, 396)),
              ('purple cube', (64, 188, 94, 218))],
    'rubber': [('red cube', (112, 44, 142, 76)), ('blue cylinder', (124, 372, 156, 408)),
               ('green cylinder', (310, 400, 346, 444)), ('purple sphere', (334, 430, 370, 468)),
               ('red cube', (288, 186, 318, 214))],
}


def _crop(frame, box, size):
    return np.asarray(Image.fromarray(frame).crop(box).resize((size, size), Image.BILINEAR))


def _label(img, text):
    im = Image.fromarray(img)
    ImageDraw.Draw(im).text((3, 2), text, fill=(255, 255, 255))
    return np.asarray(im)


def object_crops(root, split='val', size=64, pad=3):
    """The largest view of each class in ``root/split``: {class_id: crop (size, size, 3)}."""
    best = {}
    for _, path in list_videos(osp.join(root, split)):
        mask = load_mask(osp.join(path, 'mask.npy'))
        counts = np.stack([np.bincount(m.ravel(), minlength=256) for m in mask])
        for cid in np.flatnonzero(counts[:, 1:49].max(0)) + 1:
            t = int(counts[:, cid].argmax())
            area = int(counts[t, cid])
            ys, xs = np.nonzero(mask[t] == cid)
            # skip objects cut by the image border: their crop would show a part only
            if area <= best.get(cid, (0, ))[0] or ys.min() == 0 or xs.min() == 0 \
                    or ys.max() == mask.shape[1] - 1 or xs.max() == mask.shape[2] - 1:
                continue
            h, w = mask.shape[1:]
            side = min(max(ys.max() - ys.min(), xs.max() - xs.min()) + 2 * pad, h, w)
            # a square around the object, moved inside the image where it would leave it
            top = int(np.clip((ys.max() + ys.min()) // 2 - side // 2, 0, h - side))
            left = int(np.clip((xs.max() + xs.min()) // 2 - side // 2, 0, w - side))
            box = (left, top, left + side, top + side)
            best[cid] = (area, osp.join(path, f'image_{t}.png'), box)
    return {cid: _crop(load_frame(p), box, size) for cid, (_, p, box) in best.items()}


def material_crops_png(root, out, course=None, size=64, split='val'):
    crops = object_crops(root, split, size=size)
    blank = np.full((size, size, 3), 40, np.uint8)
    rows = []
    for color in COLORS:
        cells = []
        for shape in SHAPES:
            for material in MATERIALS:
                cells.append(crops.get(class_id(shape, material, color), blank))
        rows.append(np.concatenate(cells, 1))
    header = np.full((14, rows[0].shape[1], 3), 255, np.uint8)
    head = Image.fromarray(header)
    draw = ImageDraw.Draw(head)
    for k, (shape, material) in enumerate((s, m) for s in SHAPES for m in MATERIALS):
        draw.text((k * size + 3, 1), f'{material[0].upper()} {shape}', fill=(0, 0, 0))
    parts = [np.asarray(head)] + rows
    if course:
        strip = np.asarray(Image.open(osp.join(course, 'frames_1_11_22.png')).convert('RGB'))
        cells = [_label(_crop(strip, box, size), material[:1].upper())
                 for material in MATERIALS for _, box in COURSE_CROPS[material]]
        cells = (cells + [blank] * 6)[:max(6, len(cells))]
        line = np.concatenate(cells, 1)
        width = rows[0].shape[1]
        if line.shape[1] > width:  # the course row may be wider than the grid: pad the grid
            parts = [np.pad(p, ((0, 0), (0, line.shape[1] - width), (0, 0)), constant_values=255)
                     for p in parts]
        else:
            line = np.pad(line, ((0, 0), (0, width - line.shape[1]), (0, 0)), constant_values=255)
        title = np.full((14, line.shape[1], 3), 255, np.uint8)
        t = Image.fromarray(title)
        ImageDraw.Draw(t).text((3, 1), 'course frames: M = metal, R = rubber', fill=(0, 0, 0))
        parts += [np.full((6, line.shape[1], 3), 255, np.uint8), np.asarray(t), line]
    Image.fromarray(np.concatenate(parts, 0)).save(out)


def compare_png(root, course, out, split='val', num_videos=3):
    """Course frames 1/11/22 (left) beside generated videos holding metal objects (right)."""
    left = np.asarray(Image.open(osp.join(course, 'frames_1_11_22.png')).convert('RGB'))
    chosen = []
    for _, path in list_videos(osp.join(root, split)):
        scene = json.load(open(osp.join(path, 'scene.json')))
        metal = [o for o in scene['objects'] if o['material'] == 'metal' and o['entry_frame'] == 0]
        if metal:
            chosen.append(path)
        if len(chosen) == num_videos:
            break
    rows = [np.concatenate([load_frame(osp.join(p, f'image_{k}.png')) for k in SAMPLE_FRAMES], 1)
            for p in chosen]
    right = np.concatenate(rows, 0)
    h = min(left.shape[0], right.shape[0])
    if right.shape[:2] != left.shape[:2]:  # another size than the course's: scale to it
        right = np.asarray(Image.fromarray(right).resize((left.shape[1], left.shape[0]), Image.BILINEAR))
        h = left.shape[0]
    gap = np.full((h, 8, 3), 255, np.uint8)
    Image.fromarray(np.concatenate([left[:h], gap, right[:h]], 1)).save(out)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('root', help='a generated data set (needs scene.json files)')
    p.add_argument('--course', help='the course samples folder (holds frames_1_11_22.png)')
    p.add_argument('--split', default='val')
    p.add_argument('--out', default='work_dirs/data_pictures')
    args = p.parse_args(argv)
    os.makedirs(args.out, exist_ok=True)
    material_crops_png(args.root, osp.join(args.out, 'material_crops.png'), args.course, split=args.split)
    print(f'wrote {osp.join(args.out, "material_crops.png")}')
    if args.course:
        compare_png(args.root, args.course, osp.join(args.out, 'synthetic_vs_course.png'), args.split)
        print(f'wrote {osp.join(args.out, "synthetic_vs_course.png")}')


if __name__ == '__main__':
    main()
