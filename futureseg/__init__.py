"""futureseg: future semantic segmentation of object videos on OpenMMLab 2.0."""
__version__ = '0.1.0'
