from .learned_nos import LearnedNOS
from .nos import NewObjectSuppression, attribute_distance

__all__ = ['LearnedNOS', 'NewObjectSuppression', 'attribute_distance']
