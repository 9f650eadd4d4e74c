"""Turn a fitted estimator into a JSON tree plus binary members, and back, running no code from the file.

Every value becomes one node of the tree:

* ``None``, ``bool``, ``int``, ``str``, finite ``float``: themselves; a list: a JSON list of nodes;
* ``{"kind": ...}`` objects for the rest (:data:`NODE_SCHEMA` lists each kind and its fields):
  ``float`` (NaN and infinities), ``tuple``, ``dict``, ``ndarray`` (a ``.npy`` member, never pickled),
  ``str_array`` (an object array of strings, as a JSON list), ``object_array`` (any other object array:
  a JSON list of nodes, e.g. the series labels of a panel), ``scalar`` (a NumPy scalar), ``dtype``,
  ``name`` (a trusted function or type), ``timestamp`` and ``period`` (pandas index labels, which
  windows keep to recognise a continued series), ``object`` (a trusted estimator: its ``__getstate__()``),
  ``keras`` (a network, a ``.keras`` member) and ``ref`` (an object met before, so shared objects stay
  shared).

Decoding checks each node against :data:`NODE_SCHEMA` before using it, imports
only trusted names, and restores an estimator as pickle would without its
code paths: ``obj = cls.__new__(cls); obj.__setstate__(state)``.
"""

from __future__ import annotations

import io
import math
import re

import numpy as np
import pandas as pd

from . import _keras
from ._registry import is_named_value

#: Fields (and their JSON types) of each kind of node; a node has exactly these plus ``kind``.
NODE_SCHEMA = {
    "float": {"value": str},
    "tuple": {"items": list},
    "dict": {"items": list},
    "ndarray": {"id": int, "member": str},
    "str_array": {"id": int, "shape": list, "items": list},
    "object_array": {"id": int, "shape": list, "items": list},
    "scalar": {"dtype": str, "value": (bool, int, float, str, dict)},
    "dtype": {"dtype": str},
    "name": {"name": str},
    "timestamp": {"value": str, "unit": str, "tz": (str, type(None))},
    "period": {"value": str, "freq": str},
    "object": {"id": int, "type": str, "state": (dict, type(None))},
    "keras": {"id": int, "member": str},
    "ref": {"id": int},
}
_SPECIAL_FLOATS = {"nan": math.nan, "inf": math.inf, "-inf": -math.inf}
#: dtype kinds an array member or a NumPy scalar may have (none of them holds Python objects).
ARRAY_KINDS = "biufcUSMm"
_SCALAR_KINDS = "biufU"
_DTYPE_RE = re.compile(r"[<>|=][biufcUSOMm]\d*(\[\w+\])?")
_KEY_TYPES = (str, int, float, bool, type(None))


class UnsupportedValueError(TypeError):
    """A value :class:`Encoder` cannot store (its message says where and how to fix it)."""


class MalformedTreeError(ValueError):
    """A node that fails :data:`NODE_SCHEMA` or refers to something the file does not hold."""


def _npy_bytes(array: np.ndarray) -> bytes:
    buf = io.BytesIO()
    np.save(buf, array, allow_pickle=False)
    return buf.getvalue()


class Encoder:
    """Encode one estimator; the binary members it needs collect in :attr:`members`.

    Parameters
    ----------
    registry : Registry
        Which types and named values may be stored.
    """

    def __init__(self, registry):
        self.registry = registry
        self.members: dict[str, bytes] = {}
        self._ids: dict[int, int] = {}
        self._alive: list = []  # keeps encoded objects alive so their id() is not reused

    def _memo(self, value):
        """A ``ref`` node if ``value`` was met before; else register it and return None."""
        key = id(value)
        if key in self._ids:
            return {"kind": "ref", "id": self._ids[key]}
        self._ids[key] = len(self._ids)
        self._alive.append(value)
        return None

    def _member(self, folder: str, suffix: str, data: bytes) -> str:
        name = f"{folder}/{len(self.members)}.{suffix}"
        self.members[name] = data
        return name

    def encode(self, value, where: str = "estimator"):
        """The node of ``value``; ``where`` (an attribute path) goes into error messages."""
        kind = type(value)
        if value is None or kind in (bool, int, str):
            return value
        if kind is float:
            return value if math.isfinite(value) else {"kind": "float", "value": repr(value)}
        if kind is list:
            return [self.encode(v, f"{where}[{i}]") for i, v in enumerate(value)]
        if kind is tuple:
            return {"kind": "tuple", "items": [self.encode(v, f"{where}[{i}]") for i, v in enumerate(value)]}
        if kind is dict:
            return {"kind": "dict", "items": [self._item(k, v, where) for k, v in value.items()]}
        if isinstance(value, np.dtype):
            return self._dtype(value, where)
        if isinstance(value, np.generic):
            return self._scalar(value, where)
        if kind is np.ndarray:
            return self._memo(value) or self._array(value, where)
        if kind is pd.Timestamp:
            return {"kind": "timestamp", "value": value.isoformat(), "unit": value.unit,
                    "tz": None if value.tz is None else str(value.tz)}
        if kind is pd.Period:
            return {"kind": "period", "value": str(value), "freq": value.freqstr}
        if is_named_value(value):
            name = self.registry.value_name(value)
            if name is None:
                raise UnsupportedValueError(self.registry.untrusted_message(value, where))
            return {"kind": "name", "name": name}
        if _keras.is_keras_model(value):
            return self._memo(value) or {
                "kind": "keras", "id": self._ids[id(value)],
                "member": self._member("keras", "keras", _keras.model_to_bytes(value)),
            }
        name = self.registry.type_name(kind)
        if name is None:
            raise UnsupportedValueError(self.registry.untrusted_message(value, where))
        ref = self._memo(value)
        if ref:
            return ref
        node_id = self._ids[id(value)]
        state = value.__getstate__()
        if state is not None and type(state) is not dict:
            raise UnsupportedValueError(
                f"skl_lstm.save cannot store the {name} at {where}: its __getstate__() returned a "
                f"{type(state).__name__}, not a dict of attributes."
            )
        encoded = None if state is None else self.encode(state, where)
        return {"kind": "object", "id": node_id, "type": name, "state": encoded}

    def _item(self, key, value, where):
        if type(key) not in _KEY_TYPES:
            raise UnsupportedValueError(
                f"skl_lstm.save cannot store the dict at {where}: its key {key!r} is a {type(key).__name__}; "
                "only str, int, float, bool and None keys are stored."
            )
        return [self.encode(key, where), self.encode(value, f"{where}[{key!r}]")]

    def _dtype(self, dtype: np.dtype, where):
        if dtype.fields is not None or not _DTYPE_RE.fullmatch(dtype.str):
            raise UnsupportedValueError(f"skl_lstm.save cannot store the dtype {dtype!r} at {where}: only plain "
                                        "numeric, string and object dtypes are stored.")
        return {"kind": "dtype", "dtype": dtype.str}

    def _scalar(self, value: np.generic, where):
        if value.dtype.kind not in _SCALAR_KINDS:
            raise UnsupportedValueError(f"skl_lstm.save cannot store the NumPy scalar {value!r} at {where}: only "
                                        "bool, integer, float and str scalars are stored.")
        return {"kind": "scalar", "dtype": value.dtype.str, "value": self.encode(value.item(), where)}

    def _array(self, array: np.ndarray, where):
        node_id = self._ids[id(array)]
        if array.dtype.kind == "O":
            flat = array.ravel(order="C").tolist()
            if all(type(v) is str for v in flat):  # feature names: the common case, a plain JSON list
                return {"kind": "str_array", "id": node_id, "shape": list(array.shape), "items": flat}
            items = [self.encode(v, f"{where}[{i}]") for i, v in enumerate(flat)]
            return {"kind": "object_array", "id": node_id, "shape": list(array.shape), "items": items}
        if array.dtype.kind not in ARRAY_KINDS or array.dtype.fields is not None:
            raise UnsupportedValueError(f"skl_lstm.save cannot store the array at {where}: dtype {array.dtype} "
                                        "is not a plain numeric or string dtype.")
        return {"kind": "ndarray", "id": node_id, "member": self._member("arrays", "npy", _npy_bytes(array))}


def check_node(node, where: str) -> None:
    """Raise :class:`MalformedTreeError` unless a ``{"kind": ...}`` node has exactly its schema's fields."""
    fields = NODE_SCHEMA.get(node.get("kind"))
    if fields is None:
        raise MalformedTreeError(f"{where} has kind {node.get('kind')!r}; known kinds are {sorted(NODE_SCHEMA)}")
    if set(node) != {"kind", *fields}:
        raise MalformedTreeError(f"{where} ({node['kind']}) has fields {sorted(node)}, expected "
                                 f"{sorted({'kind', *fields})}")
    for field, types in fields.items():
        value = node[field]
        if not isinstance(value, types) or (types is int and isinstance(value, bool)):
            raise MalformedTreeError(f"{where} ({node['kind']}) field {field!r} is {value!r}")


class Decoder:
    """Rebuild the value of a tree written by :class:`Encoder`.

    Parameters
    ----------
    registry : Registry
        Which types and named values the file may name.
    members : dict of str to bytes
        The archive's binary members (already checked against their checksums).
    refuse : callable
        Called with the reason when the file must not be loaded; raises.
    """

    def __init__(self, registry, members, refuse):
        self.registry = registry
        self.members = members
        self.refuse = refuse
        self.used: set[str] = set()
        self._objects: dict[int, object] = {}

    def decode(self, node, where: str = "estimator"):
        """The value of ``node``."""
        if node is None or type(node) in (bool, int, str):
            return node
        if type(node) is float:
            return node
        if type(node) is list:
            return [self.decode(v, f"{where}[{i}]") for i, v in enumerate(node)]
        if type(node) is not dict:
            raise MalformedTreeError(f"{where} is a {type(node).__name__}")
        check_node(node, where)
        return getattr(self, "_" + node["kind"])(node, where)

    def _register(self, node, value):
        if node["id"] != len(self._objects):
            raise MalformedTreeError(f"object id {node['id']} is out of sequence (expected {len(self._objects)})")
        self._objects[node["id"]] = value
        return value

    def _member(self, node, where):
        name = node["member"]
        if name not in self.members:
            raise MalformedTreeError(f"{where} refers to member {name!r}, which the archive does not list")
        if name in self.used:
            raise MalformedTreeError(f"{where} refers to member {name!r} a second time")
        self.used.add(name)
        return self.members[name]

    def _float(self, node, where):
        if node["value"] not in _SPECIAL_FLOATS:
            raise MalformedTreeError(f"{where} float is {node['value']!r}; expected one of {sorted(_SPECIAL_FLOATS)}")
        return _SPECIAL_FLOATS[node["value"]]

    def _tuple(self, node, where):
        return tuple(self.decode(v, f"{where}[{i}]") for i, v in enumerate(node["items"]))

    def _dict(self, node, where):
        out = {}
        for pair in node["items"]:
            if type(pair) is not list or len(pair) != 2:
                raise MalformedTreeError(f"{where} dict item {pair!r} is not a [key, value] pair")
            key = self.decode(pair[0], where)
            if type(key) not in _KEY_TYPES:
                raise MalformedTreeError(f"{where} dict key {key!r} is a {type(key).__name__}")
            out[key] = self.decode(pair[1], f"{where}[{key!r}]")
        return out

    def _dtype_of(self, text, where):
        if not _DTYPE_RE.fullmatch(text):
            raise MalformedTreeError(f"{where} dtype {text!r} is not a plain NumPy dtype")
        return np.dtype(text)

    def _dtype(self, node, where):
        return self._dtype_of(node["dtype"], where)

    def _scalar(self, node, where):
        dtype = self._dtype_of(node["dtype"], where)
        value = self.decode(node["value"], where)
        if dtype.kind not in _SCALAR_KINDS or type(value) not in (bool, int, float, str):
            raise MalformedTreeError(f"{where} scalar of dtype {dtype} holds {value!r}")
        return dtype.type(value)

    def _ndarray(self, node, where):
        try:
            array = np.load(io.BytesIO(self._member(node, where)), allow_pickle=False)
        except ValueError as exc:  # also what np.load says to an object array when pickles are off
            raise MalformedTreeError(f"{where} array member {node['member']!r} is not a plain .npy array ({exc})")
        if type(array) is not np.ndarray or array.dtype.kind not in ARRAY_KINDS:
            raise MalformedTreeError(f"{where} array member {node['member']!r} has dtype {array.dtype}")
        return self._register(node, array)

    def _object_array_of(self, node, where):
        """An empty object array registered under the node's id (before its items, as they were encoded)."""
        shape, items = node["shape"], node["items"]
        if not all(type(n) is int and n >= 0 for n in shape) or math.prod(shape) != len(items):
            raise MalformedTreeError(f"{where} {node['kind']} of shape {shape} holds {len(items)} items")
        return self._register(node, np.empty(shape, dtype=object))

    def _str_array(self, node, where):
        if not all(type(v) is str for v in node["items"]):
            raise MalformedTreeError(f"{where} str_array holds a value that is not a str")
        array = self._object_array_of(node, where)
        array.reshape(-1)[:] = node["items"]
        return array

    def _object_array(self, node, where):
        array = self._object_array_of(node, where)
        flat = array.reshape(-1)  # a view: filling it fills the array
        for i, item in enumerate(node["items"]):
            flat[i] = self.decode(item, f"{where}[{i}]")
        return array

    def _trusted(self, resolve, name, what, where):
        """``resolve(name)``, or a refusal that names ``what`` the file holds and how to trust it."""
        value = resolve(name)
        if value is None:
            self.refuse(
                f"it {what} {name!r} (at {where}), which is not trusted. If you trust it, pass it in "
                f"skl_lstm.load(path, trusted=[{name.rpartition('.')[2]}])."
            )
        return value

    def _timestamp(self, node, where):
        if node["unit"] not in ("s", "ms", "us", "ns"):
            raise MalformedTreeError(f"{where} timestamp unit is {node['unit']!r}")
        try:
            value = pd.Timestamp(node["value"]).as_unit(node["unit"])
            return value if node["tz"] is None else value.tz_convert(node["tz"])
        except (ValueError, TypeError, KeyError) as exc:  # pandas' parse and time-zone errors
            raise MalformedTreeError(f"{where} timestamp {node['value']!r} ({node['tz']}) is not valid ({exc})")

    def _period(self, node, where):
        try:
            return pd.Period(node["value"], freq=node["freq"])
        except (ValueError, TypeError) as exc:
            raise MalformedTreeError(f"{where} period {node['value']!r} ({node['freq']}) is not valid ({exc})")

    def _name(self, node, where):
        return self._trusted(self.registry.resolve_value, node["name"], "names the function or type", where)

    def _object(self, node, where):
        cls = self._trusted(self.registry.resolve_type, node["type"], "holds an object of type", where)
        obj = self._register(node, cls.__new__(cls))  # registered first: a cycle back to it finds it
        state = None if node["state"] is None else self.decode(node["state"], where)
        if state is None:
            return obj
        if type(state) is not dict:
            raise MalformedTreeError(f"{where} state of {node['type']} is a {type(state).__name__}, not a dict")
        if hasattr(obj, "__setstate__"):
            obj.__setstate__(state)
        else:
            obj.__dict__.update(state)
        return obj

    def _keras(self, node, where):
        return self._register(node, _keras.model_from_bytes(self._member(node, where), self.refuse))

    def _ref(self, node, where):
        if node["id"] not in self._objects:
            raise MalformedTreeError(f"{where} refers to object {node['id']}, which comes later or not at all")
        return self._objects[node["id"]]
