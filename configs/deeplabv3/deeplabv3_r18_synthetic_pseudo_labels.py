# Stages 2 + 3 in one command: train the frame segmenter, then label the unlabelled videos
# with it (PseudoLabelHook, after training) into the folder configs/simvp_seg_pseudo.py reads:
#   python tools/train.py configs/deeplabv3/deeplabv3_r18_synthetic_pseudo_labels.py
# (the recipe runs the same as two stages, TrainModel then SegmentFrames; a rerun of the hook
# skips finished videos and refuses labels of other weights)
_base_ = ['./deeplabv3_r18_synthetic.py']
data_root = 'data/synth'
custom_hooks = [dict(type='PseudoLabelHook', data_root=data_root, split='unlabeled',
                     out_dir=data_root + '/pseudo_labels/unlabeled')]
