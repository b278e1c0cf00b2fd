# The data loaders of the *_small_cpu configs: batches of 8, loaded in-process (on a 2-core
# machine loader workers only compete with the model). A config inherits this file and uses
#   train_dataloader = {{_base_.small_loader}}
small_loader = dict(batch_size=8, num_workers=0, persistent_workers=False)
