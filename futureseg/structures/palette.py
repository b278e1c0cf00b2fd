"""Masks in the class palette (for pictures and indexed PNGs); every layer may use it."""
import numpy as np

from .metainfo import IGNORE_INDEX, PALETTE

_LUT = np.zeros((256, 3), np.uint8)
_LUT[:len(PALETTE)] = np.array(PALETTE, np.uint8)
_LUT[IGNORE_INDEX] = (255, 255, 255)


def colorize(mask):
    """(H, W) class ids -> (H, W, 3) uint8 in the class palette (background black)."""
    return _LUT[np.asarray(mask, np.uint8)]


def overlay(image, mask, alpha=0.6):
    """Paint object pixels of ``mask`` over ``image`` (background pixels untouched)."""
    image = np.asarray(image, np.float32)
    color = colorize(mask).astype(np.float32)
    obj = (np.asarray(mask) > 0)[..., None]
    out = np.where(obj, (1 - alpha) * image + alpha * color, image)
    return np.clip(out + 0.5, 0, 255).astype(np.uint8)


def save_mask_png(mask, path, palette=True):
    """Write a (H, W) class-id mask as a PNG whose pixel values are the class ids: with
    ``palette`` an indexed PNG that viewers show in the class palette, else 8-bit grey."""
    from PIL import Image
    image = Image.fromarray(np.asarray(mask, np.uint8), mode='L')
    if palette:
        image = image.convert('P')
        image.putpalette(_LUT.ravel().tolist())
    image.save(path)
