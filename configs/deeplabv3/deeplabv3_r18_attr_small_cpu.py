# The previous quickstart frame segmenter (the base of the current one,
# deeplabv3_r18_attr_fullres_small_cpu.py): the narrow DeepLabV3
# (deeplabv3_r18_small_cpu.py) with
# - attribute heads: shape, material and colour classified separately and combined into the
#   49 class log-probabilities (futureseg.AttributeASPPHead / AttributeFCNHead), so that each
#   attribute is learnt from every object that has it, not each of the 48 combinations from
#   the few objects that have that one;
# - ObjectVote on its masks: each same-colour region gets its majority class.
# 800 iterations; what the heads and the vote each add on the quickstart data:
# docs/segmenter.md.
_base_ = ['./deeplabv3_r18_small_cpu.py']
model = dict(
    type='futureseg.FrameSegmenter',
    postprocessors=[dict(type='ObjectVote')],
    decode_head=dict(type='futureseg.AttributeASPPHead'),
    auxiliary_head=dict(type='futureseg.AttributeFCNHead'),
)
