"""Keras networks as archive members: Keras' native format, read back in safe mode.

The only module of the persistence package that touches Keras, and only
when a file holds a network: saving a model without one never imports it.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import zipfile

#: Keras layers that carry Python code (bytecode or a reference to a function).
CODE_LAYERS = ("Lambda", "__lambda__", "TFSMLayer")


def custom_objects() -> dict:
    """skl_lstm's own Keras classes, by the registered names a saved network uses."""
    from ..lstm._network import CUSTOM_OBJECTS  # the one line that names the network module

    return dict(CUSTOM_OBJECTS)


def is_keras_model(value) -> bool:
    """True for a ``keras.Model``; never imports Keras (a model exists only once Keras is loaded)."""
    keras = sys.modules.get("keras")
    return keras is not None and isinstance(value, keras.Model)


def keras_version() -> str | None:
    """The installed Keras version, read without importing Keras; None if it is not installed."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("keras")
    except PackageNotFoundError:
        return None


def model_to_bytes(model) -> bytes:
    """``model`` in Keras' native ``.keras`` format."""
    import keras

    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "model.keras")
        keras.saving.save_model(model, path)
        with open(path, "rb") as fh:
            return fh.read()


def code_in_config(config, allowed_names) -> str | None:
    """Describe the first part of a network's ``config.json`` that carries or imports code, or None.

    Keras' safe mode refuses ``Lambda`` bytecode already; this also refuses
    before Keras reads anything: a layer known to carry code, and a class from
    a module outside Keras that is not one of skl_lstm's registered layers.
    """
    stack = [config]
    while stack:
        node = stack.pop()
        if isinstance(node, list):
            stack.extend(node)
        elif isinstance(node, dict):
            if node.get("class_name") in CODE_LAYERS:
                return f"a {node['class_name']} layer, which carries Python code"
            module = node.get("module")
            if isinstance(module, str) and not (module == "keras" or module.startswith("keras.")):
                if node.get("registered_name") not in allowed_names:
                    return f"the class {node.get('class_name')!r} from module {module!r}, which is not part of Keras"
            stack.extend(node.values())
    return None


def model_from_bytes(data: bytes, refuse):
    """Read a network written by :func:`model_to_bytes`; call ``refuse(reason)`` for anything unsafe."""
    import io

    objects = custom_objects()
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            config = json.loads(archive.read("config.json"))
    except (zipfile.BadZipFile, KeyError, ValueError) as exc:
        refuse(f"its network is not in Keras' native format ({exc}).")
    problem = code_in_config(config, objects)
    if problem:
        refuse(f"its network holds {problem}; skl_lstm never loads code from a model file.")
    import keras

    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "model.keras")
        with open(path, "wb") as fh:
            fh.write(data)
        try:
            return keras.saving.load_model(path, safe_mode=True, custom_objects=objects)
        except Exception as exc:  # Keras raises several types for unsafe or foreign content
            refuse(f"Keras refused the network in safe mode: {exc}")
