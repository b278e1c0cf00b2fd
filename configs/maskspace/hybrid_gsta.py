# The hybrid no published entry tried: RGB frames 1-11 and their segmenter masks' embeddings,
# concatenated per pixel, through SimVP (gSTA) to the class logits of the future.
_base_ = ['./maskspace_gsta.py']
model = dict(with_frames=True)
