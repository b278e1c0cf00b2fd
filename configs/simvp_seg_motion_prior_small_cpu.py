# The winner's RGB route (configs/simvp_seg_copy_prior_small_cpu.py) with the motion prior in
# place of the copy prior: the segmenter's masks of frames 1-11, their objects moved on along
# their tracks (MotionPrior), vote on the logits of frame 22; the network still sees only the
# RGB frames and learns the corrections.
_base_ = ['./simvp_seg_copy_prior_small_cpu.py', '_base_/models/motion_prior.py']
model = dict(prior={{_base_.motion_prior}})
# 2 epochs, the better of them on val, set while this model was a quickstart row (now a row
# of compare_cpu.py): the prior carries most of the result (in 3-epoch runs the best epoch was
# the 1st or the 2nd in both routes), and the quickstart's 15 minutes went to the segmenter,
# whose masks everything reads
max_epochs = 2
param_scheduler = [dict(type='OneCycleLR', eta_max=3e-3, by_epoch=True, begin=0, end=max_epochs,
                        convert_to_iter_based=True)]
train_cfg = dict(max_epochs=max_epochs, val_interval=1)
