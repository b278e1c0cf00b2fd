"""Small file helpers shared by the tools and the recipe runner."""
import json
import os
import os.path as osp


def write_text_atomic(path, text):
    """Write ``text`` through a temporary file and a rename, so that a reader (or a killed
    run) never sees a half-written file."""
    os.makedirs(osp.dirname(osp.abspath(path)), exist_ok=True)
    tmp = f'{path}.{os.getpid()}.tmp'
    with open(tmp, 'w') as f:
        f.write(text)
    os.replace(tmp, path)


def write_json_atomic(path, obj, indent=1):
    """Write ``obj`` as JSON, atomically (``write_text_atomic``)."""
    write_text_atomic(path, json.dumps(obj, indent=indent))
