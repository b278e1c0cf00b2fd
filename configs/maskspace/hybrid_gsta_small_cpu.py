# The hybrid (RGB frames 1-11 beside their segmenter masks' embeddings) at the CPU widths of
# maskspace_gsta_small_cpu.py.
_base_ = ['./maskspace_gsta_small_cpu.py']
model = dict(with_frames=True)
