"""The format-2 archive: a zip of ``metadata.json`` and binary members, each checked against its SHA-256.

``metadata.json`` (:data:`METADATA_SCHEMA`)::

    {"format": "skl_lstm", "format_version": 2,
     "versions": {"skl_lstm": ..., "scikit-learn": ..., "numpy": ..., "keras": ... or null},
     "members": {"arrays/0.npy": "<sha256>", "keras/1.keras": "<sha256>", ...},
     "estimator": <the tree of skl_lstm.persistence._encoding>,
     "metadata": {<the caller's JSON metadata>}}

Members are ``arrays/<n>.npy`` (NumPy's format, read with
``allow_pickle=False``) and ``keras/<n>.keras`` (Keras' native format). The
archive holds exactly ``metadata.json`` and the listed members.
"""

from __future__ import annotations

import hashlib
import json
import re
import zipfile
import zlib

from .._version import __version__

FORMAT = "skl_lstm"
FORMAT_VERSION = 2
#: Format tag of the files ``LSTMRegressor.save`` wrote before format 2 (a bare network).
FORMAT_1 = "skl_lstm.LSTMRegressor"
METADATA = "metadata.json"
#: Names a binary member may have.
MEMBER_RE = re.compile(r"(arrays/\d+\.npy|keras/\d+\.keras)")
_SHA256_RE = re.compile(r"[0-9a-f]{64}")
#: Top-level fields of metadata.json and their JSON types; the tree under "estimator" has its own schema.
METADATA_SCHEMA = {
    "format": str,
    "format_version": int,
    "versions": dict,
    "members": dict,
    "estimator": (dict, list, str, int, float, bool, type(None)),
    "metadata": dict,
}
VERSION_KEYS = ("skl_lstm", "scikit-learn", "numpy", "keras")


class ArchiveError(ValueError):
    """The file is not a well-formed format-2 archive (the message says why)."""


class Format1File(Exception):
    """The file is a format-1 archive (a bare LSTMRegressor), read by the format-1 reader."""


def sha256(data: bytes) -> str:
    """Hex SHA-256 of ``data``."""
    return hashlib.sha256(data).hexdigest()


def write_archive(fh, header: dict, members: dict[str, bytes]) -> None:
    """Write ``header`` (every field but "members") and ``members`` as a format-2 archive to ``fh``."""
    metadata = {**header, "members": {name: sha256(data) for name, data in members.items()}}
    text = json.dumps(metadata, indent=1, allow_nan=False)
    with zipfile.ZipFile(fh, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(METADATA, text)
        for name, data in members.items():
            archive.writestr(name, data)


def _no_constants(name):
    raise ValueError(f"{name} is not JSON")


def check_metadata(metadata) -> None:
    """Raise :class:`ArchiveError` unless ``metadata`` follows :data:`METADATA_SCHEMA` (format and version aside)."""
    if not isinstance(metadata, dict) or set(metadata) != set(METADATA_SCHEMA):
        fields = sorted(metadata) if isinstance(metadata, dict) else type(metadata).__name__
        raise ArchiveError(f"metadata.json fails its schema: it has fields {fields}, expected "
                           f"{sorted(METADATA_SCHEMA)}.")
    for field, types in METADATA_SCHEMA.items():
        if not isinstance(metadata[field], types) or (types is int and isinstance(metadata[field], bool)):
            raise ArchiveError(f"metadata.json fails its schema: {field} is {metadata[field]!r}.")
    versions = metadata["versions"]
    if set(versions) != set(VERSION_KEYS) or not all(v is None or isinstance(v, str) for v in versions.values()):
        raise ArchiveError(f"metadata.json fails its schema: versions is {versions!r}, expected strings (or null) "
                           f"for {list(VERSION_KEYS)}.")
    for name, digest in metadata["members"].items():
        if not MEMBER_RE.fullmatch(name) or not isinstance(digest, str) or not _SHA256_RE.fullmatch(digest):
            raise ArchiveError(f"metadata.json fails its schema: member {name!r} with checksum {digest!r}.")


def read_archive(path) -> tuple[dict, dict[str, bytes]]:
    """The checked metadata and members of the format-2 archive at ``path``.

    Raises
    ------
    Format1File
        If the file is a format-1 archive.
    ArchiveError
        If it is anything else than an intact format-2 archive this version reads.
    """
    with open(path, "rb") as fh:
        starts_as_zip = fh.read(4) == b"PK\x03\x04"  # a pickle may embed a zip at its end
    if not starts_as_zip:
        raise ArchiveError("it is not an skl_lstm model archive (pickle and other files are never loaded).")
    if not zipfile.is_zipfile(path):
        raise ArchiveError("the archive is corrupt or truncated (no zip directory at its end).")
    try:
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
            if len(names) != len(set(names)):
                raise ArchiveError(f"it holds the same member twice ({sorted(names)}).")
            if METADATA not in names:
                raise ArchiveError(f"it has no {METADATA} (it holds {sorted(names)}).")
            raw = archive.read(METADATA)
            try:
                metadata = json.loads(raw.decode("utf-8"), parse_constant=_no_constants)
            except (UnicodeDecodeError, ValueError, RecursionError) as exc:
                raise ArchiveError(f"{METADATA} is not valid JSON ({exc}).") from None
            if isinstance(metadata, dict) and metadata.get("format") == FORMAT_1:
                raise Format1File()
            _check_format(metadata)
            check_metadata(metadata)
            expected = {METADATA, *metadata["members"]}
            if set(names) != expected:
                extra, missing = sorted(set(names) - expected), sorted(expected - set(names))
                raise ArchiveError(f"it holds {sorted(names)}, expected exactly {sorted(expected)} "
                                   f"(extra: {extra}, missing: {missing}).")
            members = {name: archive.read(name) for name in metadata["members"]}
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as exc:
        raise ArchiveError(f"the archive is corrupt ({exc}).") from None
    for name, data in members.items():
        if sha256(data) != metadata["members"][name]:
            raise ArchiveError(f"{name} does not match its checksum in {METADATA}; the file was altered or damaged.")
    return metadata, members


def _check_format(metadata) -> None:
    if not isinstance(metadata, dict) or metadata.get("format") != FORMAT:
        found = metadata.get("format") if isinstance(metadata, dict) else None
        raise ArchiveError(f"{METADATA} does not describe an skl_lstm model (format {found!r}, expected {FORMAT!r}).")
    version = metadata.get("format_version")
    if type(version) is not int:
        raise ArchiveError(f"{METADATA} fails its schema: format_version is {version!r}.")
    if version > FORMAT_VERSION:
        versions = metadata.get("versions")
        written_by = versions.get("skl_lstm") if isinstance(versions, dict) else None
        raise ArchiveError(f"it was written by skl_lstm {written_by} in format version {version}; this skl_lstm "
                           f"({__version__}) reads up to format {FORMAT_VERSION}. Upgrade skl_lstm to load it.")
    if version < FORMAT_VERSION:
        raise ArchiveError(f"{METADATA} says format version {version}, which never existed under format {FORMAT!r}.")
