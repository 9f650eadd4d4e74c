"""The network factory: layers, handles, and handles read back from a built or loaded network."""

import keras
import numpy as np
import pytest

from skl_lstm.lstm import MaskMissingSteps, Network, build_network
from skl_lstm.lstm._network import CUSTOM_OBJECTS


@pytest.mark.parametrize("linear_skip", [False, True])
def test_factory_returns_the_handles_of_the_layers_it_built(linear_skip):
    net = build_network(10, 3, 2, units=(6, 4), dropout=0.1, l2=1e-3, linear_skip=linear_skip)
    model = net.model
    assert model.input_shape == (None, 10, 3) and model.output_shape == (None, 2)
    assert isinstance(net.chain.mask, MaskMissingSteps) and net.chain.mask is model.get_layer("mask_missing")
    assert [layer.units for layer in net.chain.lstms] == [6, 4]
    assert [layer.return_sequences for layer in net.chain.lstms] == [True, False]
    assert all(layer.cell.dropout == 0.1 for layer in net.chain.lstms)
    assert net.chain.dense is model.get_layer("forecast") and net.chain.dense.units == 2
    if linear_skip:
        assert net.skip is model.get_layer("linear_skip") and not net.skip.trainable
        assert net.recurrent is not model and net.recurrent.output_shape == (None, 2)
        assert {w.name for w in net.recurrent.trainable_weights} == {w.name for w in model.trainable_weights}
    else:
        assert net.skip is None and net.recurrent is model


@pytest.mark.parametrize("linear_skip", [False, True])
def test_network_of_a_saved_and_reloaded_model_finds_the_same_layers(tmp_path, linear_skip):
    net = build_network(6, 2, 1, units=5, linear_skip=linear_skip)
    X = np.random.default_rng(0).normal(size=(4, 6, 2)).astype("float32")
    X[0, :3] = np.nan
    path = tmp_path / "net.keras"
    net.model.save(path)
    again = Network.of(keras.saving.load_model(path, safe_mode=True, custom_objects=CUSTOM_OBJECTS))
    assert [layer.name for layer in again.chain.lstms] == ["lstm_0"]
    assert (again.skip is None) == (not linear_skip)
    np.testing.assert_allclose(again.recurrent(X), net.recurrent(X), atol=1e-6)
    np.testing.assert_allclose(again.model(X), net.model(X), atol=1e-6)


def test_missing_steps_are_masked_and_filled():
    layer = MaskMissingSteps()
    x = np.array([[[np.nan, 1.0], [2.0, 3.0]]], dtype="float32")
    np.testing.assert_array_equal(np.asarray(layer(x)), [[[0.0, 1.0], [2.0, 3.0]]])
    np.testing.assert_array_equal(np.asarray(layer.compute_mask(x)), [[False, True]])
    assert MaskMissingSteps(mask=False).compute_mask(x) is None
    assert MaskMissingSteps.from_config(MaskMissingSteps(mask=False).get_config()).mask is False


def test_without_masking_and_with_unroll():
    net = build_network(4, 1, 1, units=3, mask_missing=False, unroll=True)
    assert net.chain.mask is None and net.chain.lstms[0].unroll
    assert "mask_missing" not in {layer.name for layer in net.model.layers}


def test_a_seed_gives_the_weights_of_keras_defaults_after_seeding_python():
    # The network's own generator draws its seeds in Keras' order, so seeds keep
    # the weights (and dropout streams) that random.seed(seed) gave before.
    import random

    random.seed(11)
    defaults = build_network(5, 2, 3, units=(4, 3), dropout=0.2, linear_skip=True)
    random.seed(12345)  # the global generator plays no part now
    seeded = build_network(5, 2, 3, units=(4, 3), dropout=0.2, linear_skip=True, seed=11)
    for a, b in zip(defaults.model.weights, seeded.model.weights, strict=True):
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
    assert [layer.cell.seed for layer in seeded.chain.lstms] != [None, None]
