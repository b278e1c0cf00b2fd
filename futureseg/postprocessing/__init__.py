from .learned_nos import LearnedNOS
from .nos import NewObjectSuppression, attribute_distance
from .object_vote import FillHoles, ObjectVote

__all__ = ['LearnedNOS', 'NewObjectSuppression', 'attribute_distance', 'FillHoles', 'ObjectVote']
