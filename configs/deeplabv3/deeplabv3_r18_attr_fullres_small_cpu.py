# The quickstart's frame segmenter: the attribute DeepLabV3 (deeplabv3_r18_attr_small_cpu.py)
# with its ASPP output refined at full resolution (docs/segmenter.md):
# - futureseg.FullResolutionBranch: two stride-1 3x3 convolutions of the image (16 channels)
#   put in front of the ResNet's features;
# - futureseg.AttributeFullResolutionASPPHead: the up-sampled ASPP features and those are
#   refined by two 3x3 convolutions (16 channels) at full resolution, which give the
#   background and the colour; the shape and the material are classified from the ASPP
#   output (stride 4) and up-sampled.
# What the refinement buys (object IoU and val Jaccard at the same iterations) and why 1600
# iterations (shape keeps rising with training): docs/segmenter.md, with the commands.
# Channels-last weights (ChannelsLastHook): faster fp32 steps under oneDNN (docs/benchmarks.md,
# the segmenter's step). Random crops were tried to cut the step time and cost too much shape
# accuracy (docs/segmenter.md, "Not shipped").
_base_ = ['./deeplabv3_r18_attr_small_cpu.py']
_resnet = {{_base_.model.backbone}}
model = dict(
    backbone=dict(_delete_=True, type='futureseg.FullResolutionBranch', backbone=_resnet,
                  channels=16, num_convs=2),
    # outputs: 0 full resolution (16 ch), 1-4 the ResNet's stages (16, 32, 64, 128 ch)
    decode_head=dict(type='futureseg.AttributeFullResolutionASPPHead', in_index=4,
                     full_res_index=0, full_res_channels=16, num_refine_convs=2,
                     refine_channels=16),
    auxiliary_head=dict(in_index=3),
)
max_iters = 1600
param_scheduler = [dict(type='PolyLR', eta_min=1e-5, power=0.9, begin=0, end=max_iters, by_epoch=False)]
train_cfg = dict(max_iters=max_iters, val_interval=max_iters)
default_hooks = dict(checkpoint=dict(interval=max_iters))
custom_hooks = [dict(type='futureseg.ChannelsLastHook')]
