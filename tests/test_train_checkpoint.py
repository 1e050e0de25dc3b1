"""nn.checkpoint: .npz round trips, atomic writes, and the refusal of anything unpickled."""
from __future__ import annotations

import os
import pickle

import numpy as np
import pytest

import autodiff as ad
from nn import checkpoint as ck


def _state():
    rng = np.random.default_rng(0)
    return {"conv1.weight": ad.tensor(rng.normal(size=(2, 1, 3, 3)).astype(np.float32)),
            "conv1.bias": ad.tensor(np.zeros(2, np.float32)),
            "bn.running_mean": rng.normal(size=3),            # float64 stays float64
            "bn.num_batches_tracked": np.array(7, dtype=np.int64)}


def test_state_dict_round_trip_is_exact(tmp_path):
    state, path = _state(), tmp_path / "model.npz"
    ck.save(state, path)
    loaded = ck.load(path)
    assert list(loaded) == list(state)
    for key, value in state.items():
        original = value.numpy() if isinstance(value, ad.Tensor) else value
        assert isinstance(loaded[key], ad.Tensor)
        assert loaded[key].dtype == original.dtype and loaded[key].shape == original.shape
        assert np.array_equal(loaded[key].numpy(), original)
    with np.load(path, allow_pickle=False) as plain:     # a plain .npz anyone can read
        assert sorted(plain.files) == sorted(state)
    assert os.listdir(tmp_path) == ["model.npz"], "no temporary file is left behind"


def test_training_checkpoint_keeps_nesting_types_and_rng(tmp_path):
    generator = np.random.default_rng(3)
    generator.random(5)
    optimizer = {"state": {0: {"step": np.int64(4), "exp_avg": ad.tensor([1.0, 2.0])},
                           1: {"step": 4, "momentum_buffer": np.ones((2, 2))}},
                 "param_groups": [{"lr": 0.1, "betas": (0.9, 0.999), "params": [0, 1],
                                   "nesterov": False, "name": None}]}
    path = tmp_path / "ckpt.npz"
    ck.save_checkpoint(path, model=_state(), optimizer=optimizer, epoch=2,
                       rng=generator.bit_generator.state, history={"loss": [0.5, 0.25]})
    back = ck.load_checkpoint(path)
    assert back["epoch"] == 2 and back["history"] == {"loss": [0.5, 0.25]}
    state = back["optimizer"]["state"]
    assert set(state) == {0, 1}, "integer keys stay integers"
    assert back["optimizer"]["param_groups"][0]["betas"] == (0.9, 0.999)
    assert back["optimizer"]["param_groups"][0]["name"] is None
    assert isinstance(state[0]["exp_avg"], ad.Tensor) and state[0]["step"] == 4
    assert isinstance(state[1]["momentum_buffer"], np.ndarray)
    restored = np.random.default_rng()
    restored.bit_generator.state = back["rng"]
    assert np.array_equal(restored.random(4), generator.random(4))
    assert sorted(ck.load(path)) == sorted(_state()), "load gives the model part"


def test_saving_objects_is_refused(tmp_path):
    with pytest.raises(TypeError, match="dtype object"):
        ck.save({"w": np.array([{"a": 1}], dtype=object)}, tmp_path / "x.npz")
    with pytest.raises(TypeError, match="cannot store"):
        ck.save_checkpoint(tmp_path / "y.npz", model={}, extra=object())
    assert not os.listdir(tmp_path)


@pytest.mark.parametrize("writer", ["npz-object", "raw-pickle", "npy-object"])
def test_pickled_files_are_refused(tmp_path, writer):
    path = tmp_path / "evil.npz"
    payload = np.array([{"run": "code"}], dtype=object)
    if writer == "npz-object":
        np.savez(path, w=payload)
    elif writer == "raw-pickle":
        path.write_bytes(pickle.dumps({"w": payload}))
    else:
        with open(path, "wb") as f:
            np.save(f, payload, allow_pickle=True)
    with pytest.raises(ck.CheckpointError, match="refusing to unpickle"):
        ck.load(path)


@pytest.mark.parametrize("damage", ["truncated", "garbage", "flipped"])
def test_damaged_files_give_a_clear_error(tmp_path, damage):
    path = tmp_path / "model.npz"
    ck.save(_state(), path)
    raw = bytearray(path.read_bytes())
    if damage == "truncated":
        raw = raw[:len(raw) // 2]
    elif damage == "garbage":
        raw = bytearray(b"not a checkpoint at all\n" * 10)
    else:
        raw[200:260] = bytes(60)
    path.write_bytes(bytes(raw))
    with pytest.raises(ck.CheckpointError, match="model.npz"):
        ck.load(path)


def test_missing_file_is_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError, match="no checkpoint"):
        ck.load(tmp_path / "nothing.npz")


def test_a_failed_write_keeps_the_old_file(tmp_path):
    path = tmp_path / "model.npz"
    ck.save(_state(), path)
    before = path.read_bytes()

    def explode(file):
        file.write(b"half a file")
        raise RuntimeError("disk full")
    with pytest.raises(RuntimeError, match="disk full"):
        ck.atomic_write(path, explode)
    assert path.read_bytes() == before and os.listdir(tmp_path) == ["model.npz"]


class _FakeModel:
    def __init__(self, shapes):
        self.shapes = shapes

    def state_dict(self):
        return {k: ad.tensor(np.zeros(s, np.float32)) for k, s in self.shapes.items()}


def test_check_state_dict_names_the_keys_that_do_not_fit():
    model = _FakeModel({"fc.weight": (3, 2), "fc.bias": (3,)})
    ck.check_state_dict(model, model.state_dict())
    other = {"fc.weight": np.zeros((4, 2)), "head.bias": np.zeros(3)}
    with pytest.raises(ck.CheckpointError) as error:
        ck.check_state_dict(model, other)
    message = str(error.value)
    assert "missing keys: fc.bias" in message and "unexpected keys: head.bias" in message
    assert "fc.weight (4, 2) (model: (3, 2))" in message
