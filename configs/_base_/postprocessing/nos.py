# Test-time post-processing of the predicted frame 22 (stage 6), one definition for every
# config and recipe: inherit it (``_base_``) and use ``{{_base_.nos}}`` and friends.
# New Object Suppression as the winners ran it: a region of a class that frames 1-11 did not
# show goes to a touching known object, else (small) background, else (large) the known
# class with the closest attributes; small regions of known classes become background.
nos = dict(type='NewObjectSuppression', area_threshold=100, region='class')
# background that one class encloses becomes that class (ringed objects made solid)
fill_holes = dict(type='FillHoles')
# the known objects: the classes of the segmenter's masks of frames 1-11, read as the
# samples' context masks (what a method can see at test time)
known_from_segmenter = dict(source='context_masks', min_pixels=1)
