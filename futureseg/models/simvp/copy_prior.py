"""Moved to ``futureseg.models.priors.copy_prior`` (the priors subsystem); this path stays."""
from ..priors.copy_prior import CopyPrior  # noqa: F401
