from .nos import NewObjectSuppression, attribute_distance
from .object_vote import FillHoles, ObjectVote

__all__ = ['NewObjectSuppression', 'attribute_distance', 'FillHoles', 'ObjectVote']
