from .io import write_json_atomic, write_text_atomic
from .setup_env import register_all_modules

__all__ = ['register_all_modules', 'write_json_atomic', 'write_text_atomic']
