from .io import (DataError, atomic_path, read_rgb, write_json_atomic, write_npy_atomic,
                 write_text_atomic)

__all__ = ['DataError', 'atomic_path', 'read_rgb', 'write_json_atomic', 'write_npy_atomic',
           'write_text_atomic']
