"""Stand-in for tests; not NVFlare: builders constructed from a `path` and `args` config."""

import importlib


def instantiate_from_config(obj_config):
    path = obj_config.get("path")
    if not path:
        raise ValueError("missing 'path' from object config")
    args = obj_config.get("args")
    try:
        module_name, class_name = path.rsplit(".", 1)
        cls = getattr(importlib.import_module(module_name), class_name)
    except Exception as ex:
        raise TypeError(f"Can't load class {path}: {ex}")
    try:
        return cls(**args) if args else cls()
    except TypeError as e:
        raise ValueError(f"Class {path} has parameters error: {e}.")
