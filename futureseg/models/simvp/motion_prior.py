"""Moved to ``futureseg.models.priors.motion_prior`` (the priors subsystem); this path stays."""
from ..priors.motion_prior import (GROUP_NAMES, NUM_GROUPS, MotionPrior,  # noqa: F401
                                   class_groups, extrapolate_masks, extrapolate_occupancy,
                                   object_tracks, track_velocity, travelled)
