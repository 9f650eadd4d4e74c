"""skl_lstm.load refuses, with UnsafeModelFileError, every file it cannot prove to be a safe format-2 model."""

import hashlib
import io
import json
import pickle
import re
import zipfile

import joblib
import numpy as np
import pytest
from sklearn.impute import SimpleImputer
from sklearn.linear_model import Ridge
from sklearn.pipeline import Pipeline

import skl_lstm
from skl_lstm import WindowTransformer
from skl_lstm.exceptions import UnsafeModelFileError


@pytest.fixture(scope="module")
def good(tmp_path_factory):
    """A saved windowed ridge, its metadata, and the data it predicts."""
    t = np.arange(40.0)
    X, y = np.column_stack([np.sin(t / 3), np.cos(t / 5)]), np.sin((t + 1) / 3)
    model = Pipeline([("window", WindowTransformer(3)), ("impute", SimpleImputer()), ("ridge", Ridge())]).fit(X, y)
    path = tmp_path_factory.mktemp("good") / "good.skl-lstm"
    skl_lstm.save(model, path)
    with zipfile.ZipFile(path) as archive:
        meta = json.loads(archive.read("metadata.json"))
    return path, meta, model


def forge(src, dst, *, edit=None, members=None, raw_metadata=None, fix_checksums=True):
    """Copy the archive ``src`` to ``dst`` with edits, as a forger would; by default with checksums that match."""
    with zipfile.ZipFile(src) as archive:
        entries = {name: archive.read(name) for name in archive.namelist()}
    meta = json.loads(entries.pop("metadata.json"))
    entries.update(members or {})
    if fix_checksums:
        meta["members"] = {name: hashlib.sha256(entries[name]).hexdigest() for name in meta["members"]}
    if edit:
        edit(meta)
    with zipfile.ZipFile(dst, "w") as archive:
        archive.writestr("metadata.json", raw_metadata if raw_metadata is not None else json.dumps(meta))
        for name, data in entries.items():
            archive.writestr(name, data)
    return dst


def refused(path, message, **kwargs):
    with pytest.raises(UnsafeModelFileError, match=f"^Refusing to load {re.escape(repr(str(path)))}: {message}"):
        skl_lstm.load(path, **kwargs)


def test_the_unforged_copy_loads(good, tmp_path):
    path, _, model = good
    X = np.ones((5, 2))
    np.testing.assert_array_equal(skl_lstm.load(forge(path, tmp_path / "copy")).predict(X), model.predict(X))


def test_pickle_and_joblib_files_are_never_unpickled(good, tmp_path):
    _, _, model = good
    not_zip = re.escape("it is not an skl_lstm model archive (pickle and other files are never loaded).")
    renamed = tmp_path / "pickled.skl-lstm"
    renamed.write_bytes(pickle.dumps(model))
    refused(renamed, not_zip)
    joblib.dump(model, tmp_path / "joblib.skl-lstm")
    refused(tmp_path / "joblib.skl-lstm", not_zip)
    # a pickle followed by a valid archive is a zip to zipfile (its directory is at the end), but not to us
    renamed.write_bytes(pickle.dumps(model) + good[0].read_bytes())
    refused(renamed, not_zip)


def test_extra_and_duplicate_members_are_refused(good, tmp_path):
    path, _, _ = good
    extra = forge(path, tmp_path / "extra", members={"payload.pkl": b"x"}, fix_checksums=False)
    refused(extra, r"it holds \[.*'payload.pkl'\], expected exactly \[.*\] \(extra: \['payload.pkl'\], missing: \[\]\)")

    def list_it(meta):
        meta["members"]["arrays/99.npy"] = hashlib.sha256(b"x").hexdigest()

    listed = forge(path, tmp_path / "listed", members={"arrays/99.npy": b"x"}, edit=list_it)
    refused(listed, re.escape("it holds members the model does not use: ['arrays/99.npy']."))
    twice = tmp_path / "twice"
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(twice, "w") as dst, pytest.warns(UserWarning, match="Dupl"):
        for name in [*src.namelist(), "arrays/0.npy"]:
            dst.writestr(name, src.read(name))
    refused(twice, "it holds the same member twice")


def test_corrupt_and_truncated_archives_are_refused(good, tmp_path):
    path, meta, _ = good
    data = bytearray(path.read_bytes())
    truncated = tmp_path / "truncated"
    truncated.write_bytes(bytes(data[: len(data) // 2]))
    refused(truncated, re.escape("the archive is corrupt or truncated (no zip directory at its end)."))
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo(sorted(meta["members"])[-1])
    start = info.header_offset + 30 + len(info.filename) + len(info.extra)  # the member's compressed bytes
    data[start + info.compress_size // 2] ^= 0xFF
    corrupt = tmp_path / "corrupt"
    corrupt.write_bytes(bytes(data))
    refused(corrupt, r"the archive is corrupt \((Bad CRC-32|Error -3).*")


def test_member_that_disagrees_with_its_checksum_is_refused(good, tmp_path):
    path, meta, _ = good
    name = sorted(meta["members"])[0]
    buf = io.BytesIO()
    np.save(buf, np.zeros(3))
    altered = forge(path, tmp_path / "altered", members={name: buf.getvalue()}, fix_checksums=False)
    refused(altered, re.escape(f"{name} does not match its checksum in metadata.json; the file was altered or "
                               "damaged."))


def _set(*keys, value):
    def edit(meta):
        node = meta
        for key in keys[:-1]:
            node = node[key]
        node[keys[-1]] = value

    return edit


def _first_step(meta):
    """The node of the window step (a dict node inside the Pipeline's state)."""
    steps = dict((k, v) for k, v in meta["estimator"]["state"]["items"])["steps"]
    return steps[0]["items"][1]


def _first_step_becomes(**node):
    def edit(meta):
        step = _first_step(meta)
        step.clear()
        step.update(node)

    return edit


@pytest.mark.parametrize(
    "edit, message",
    [
        (lambda m: m.pop("versions"), r"metadata.json fails its schema: it has fields \['estimator', 'format', "),
        (_set("code", value="import os"), r"metadata.json fails its schema: it has fields \[.*'code'"),
        (_set("versions", value={"skl_lstm": "1"}), r"metadata.json fails its schema: versions is \{'skl_lstm'"),
        (_set("format_version", value="2"), r"metadata.json fails its schema: format_version is '2'"),
        (_set("members", value={"../evil.npy": "0" * 64}), r"metadata.json fails its schema: member '../evil.npy'"),
        (_set("estimator", "kind", value="pickle"), r"metadata.json fails its schema: estimator has kind 'pickle'"),
        (_set("estimator", "reduce", value="os.system"), r"metadata.json fails its schema: estimator \(object\) has "
                                                          r"fields \['id', 'kind', 'reduce', 'state', 'type'\]"),
        (_set("estimator", "id", value=7), "metadata.json fails its schema: object id 7 is out of sequence"),
        (_first_step_becomes(kind="ref", id=9), r"metadata.json fails its schema: .* refers to object 9"),
        (_first_step_becomes(kind="dtype", dtype="[('a', 'O')]"),
         r"metadata.json fails its schema: .* dtype \"\[\('a', 'O'\)\]\" is not a plain"),
        (_first_step_becomes(kind="timestamp", value="not a date", unit="ns", tz=None),
         r"metadata.json fails its schema: .* timestamp 'not a date' \(None\) is not valid"),
        (_first_step_becomes(kind="period", value="2020-01", freq="fortnightly"),
         r"metadata.json fails its schema: .* period '2020-01' \(fortnightly\) is not valid"),
        (_first_step_becomes(kind="str_array", id=1, shape=[3], items=["a"]),
         r"metadata.json fails its schema: .* str_array of shape \[3\] holds 1"),
        (_first_step_becomes(kind="str_array", id=1, shape=[1], items=[{"kind": "name", "name": "builtins.eval"}]),
         "metadata.json fails its schema: .* str_array holds a value that is not a str"),
        (_first_step_becomes(kind="object_array", id=1, shape=[2, 2], items=[1, 2]),
         r"metadata.json fails its schema: .* object_array of shape \[2, 2\] holds 2 items"),
    ],
)
def test_metadata_that_fails_its_schema_is_refused(good, tmp_path, edit, message):
    refused(forge(good[0], tmp_path / "forged", edit=edit), message)


def test_metadata_that_is_not_json_is_refused(good, tmp_path):
    raw = json.dumps(good[1]).replace('"format_version": 2', '"format_version": NaN')
    refused(forge(good[0], tmp_path / "nan", raw_metadata=raw), r"metadata.json is not valid JSON \(NaN is not JSON")
    refused(forge(good[0], tmp_path / "text", raw_metadata=b"\xff{"), "metadata.json is not valid JSON")


def test_untrusted_types_and_functions_are_refused(good, tmp_path):
    popen = forge(good[0], tmp_path / "popen", edit=_set("estimator", "type", value="subprocess.Popen"))
    refused(popen, re.escape("it holds an object of type 'subprocess.Popen' (at estimator), which is not trusted. "
                             "If you trust it, pass it in skl_lstm.load(path, trusted=[Popen])."))

    refused(forge(good[0], tmp_path / "eval", edit=_first_step_becomes(kind="name", name="builtins.eval")),
            re.escape("it names the function or type 'builtins.eval' (at estimator['steps'][0][1]), which is not "
                      "trusted."))


def test_object_array_member_is_refused_even_with_a_matching_checksum(good, tmp_path):
    path, meta, _ = good
    buf = io.BytesIO()
    np.save(buf, np.array([{"x": 1}], dtype=object), allow_pickle=True)
    name = sorted(meta["members"])[0]
    refused(forge(path, tmp_path / "objects", members={name: buf.getvalue()}),
            f"metadata.json fails its schema: .* array member '{name}' is not a plain .npy array "
            r"\(Object arrays cannot be loaded when allow_pickle=False\)")


def test_newer_format_and_foreign_formats_are_refused(good, tmp_path):
    newer = forge(good[0], tmp_path / "newer", edit=_set("format_version", value=3))
    refused(newer, re.escape(f"it was written by skl_lstm {skl_lstm.__version__} in format version 3; this "
                             f"skl_lstm ({skl_lstm.__version__}) reads up to format 2. Upgrade skl_lstm to load it."))
    other = forge(good[0], tmp_path / "other", edit=_set("format", value="sktime"))
    refused(other, re.escape("metadata.json does not describe an skl_lstm model (format 'sktime', expected "
                             "'skl_lstm')."))


@pytest.fixture(scope="module")
def saved_network(tmp_path_factory):
    keras = pytest.importorskip("keras")
    inputs = keras.Input((4, 1))
    path = tmp_path_factory.mktemp("net") / "net.skl-lstm"
    skl_lstm.save(keras.Model(inputs, keras.layers.Dense(1)(keras.layers.Flatten()(inputs))), path)
    return path


def _keras_bytes(model, tmp_path):
    import keras

    keras.saving.save_model(model, tmp_path / "member.keras")
    return (tmp_path / "member.keras").read_bytes()


def test_network_with_a_code_layer_is_refused_even_with_a_matching_checksum(saved_network, tmp_path):
    import keras

    inputs = keras.Input((4, 1))
    outputs = keras.layers.Dense(1)(keras.layers.Lambda(lambda x: x[:, -1, :] * 2)(inputs))
    code = _keras_bytes(keras.Model(inputs, outputs), tmp_path)
    refused(forge(saved_network, tmp_path / "lambda", members={"keras/0.keras": code}),
            re.escape("its network holds a Lambda layer, which carries Python code; skl_lstm never loads code "
                      "from a model file."))


def test_network_naming_a_module_outside_keras_is_refused(saved_network, tmp_path):
    with zipfile.ZipFile(saved_network) as archive:
        member = archive.read("keras/0.keras")
    with zipfile.ZipFile(io.BytesIO(member)) as src:
        parts = {name: src.read(name) for name in src.namelist()}
    parts["config.json"] = parts["config.json"].replace(b'"module": "keras.layers", "class_name": "Dense"',
                                                        b'"module": "os", "class_name": "system"')
    assert b'"os"' in parts["config.json"]
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as dst:
        for name, data in parts.items():
            dst.writestr(name, data)
    refused(forge(saved_network, tmp_path / "os", members={"keras/0.keras": buf.getvalue()}),
            re.escape("its network holds the class 'system' from module 'os', which is not part of Keras;"))
