from .nos import NewObjectSuppression, attribute_distance

__all__ = ['NewObjectSuppression', 'attribute_distance']
