"""Checkpoints from a hostile or careless source: crafted headers, zip bombs, non-numeric
dtypes, files that are not training checkpoints, tampered epochs, and fuzzing (byte flips,
truncations, random headers) that must only ever give the loader's own CheckpointError."""
from __future__ import annotations

import io
import os
import struct
import subprocess
import sys
import zipfile

import numpy as np
import pytest

import autodiff as ad
import nn
from chainrule.cli import main
from nn import checkpoint as ck
from nn import data, npz_reader


def _npy(shape, descr="<f8", body=b"", fortran=False) -> bytes:
    """An .npy stream whose header says what we like, followed by ``body``."""
    buffer = io.BytesIO()
    np.lib.format.write_array_header_1_0(buffer, {"descr": descr, "fortran_order": fortran,
                                                  "shape": shape})
    return buffer.getvalue() + body


def _npz(path, members: dict[str, bytes], method=zipfile.ZIP_STORED):
    with zipfile.ZipFile(path, "w", method) as archive:
        for name, raw in members.items():
            archive.writestr(name, raw)
    return path


def _setup():
    nn.manual_seed(0)
    model = nn.Linear(2, 3)
    optimizer = nn.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    x, y = data.spirals(48, classes=3, seed=0)
    return model, optimizer, data.DataLoader(data.TensorDataset(x, y), 16, shuffle=True)


def _fit(resume=None, checkpoint=None, epochs=1):
    model, optimizer, loader = _setup()
    return nn.fit(model, nn.functional.cross_entropy, optimizer, loader, epochs=epochs,
                  checkpoint=checkpoint, resume=resume, progress=False)


@pytest.fixture(scope="module")
def training_checkpoint(tmp_path_factory) -> bytes:
    """A small but complete training checkpoint: weights, momentum, RNG, history (~4 KB)."""
    path = tmp_path_factory.mktemp("ckpt") / "ckpt.npz"
    _fit(checkpoint=path)
    return path.read_bytes()


# ---- declared sizes are checked before anything is read -----------------------------------------
def test_a_tiny_file_claiming_a_huge_array_is_refused_without_allocating(tmp_path, capsys):
    path = _npz(tmp_path / "huge.npz", {"w.npy": _npy((10**11,), body=bytes(8))})
    assert path.stat().st_size < 400
    with pytest.raises(ck.CheckpointError, match=r"key 'w' declares shape \(100000000000,\)"):
        nn.load(path)
    with pytest.raises(ck.CheckpointError, match="800.0 GB"):
        _fit(resume=path)
    assert main(["train", "--dataset", "spirals", "--model", "mlp", "--quiet",
                 "--out", str(tmp_path / "run"), "--resume", str(path)]) == 2
    err = capsys.readouterr().err
    assert "declares shape" in err and err.count("\n") == 1 and "Traceback" not in err


def test_a_zip_bomb_is_refused_before_it_expands(tmp_path, monkeypatch):
    monkeypatch.setattr(npz_reader, "SMALL", 2**20)       # so that a 20 MB bomb is enough
    zeros = _npy((20 * 2**17,), body=bytes(20 * 2**20))
    bomb = _npz(tmp_path / "bomb.npz", {"w.npy": zeros}, zipfile.ZIP_DEFLATED)
    assert bomb.stat().st_size < 100_000
    with pytest.raises(ck.CheckpointError, match="zip bomb"):
        nn.load(bomb)
    modest = tmp_path / "modest.npz"                        # savez_compressed of real weights
    np.savez_compressed(modest, w=np.random.default_rng(0).random((64, 64)))
    assert nn.load(modest)["w"].shape == (64, 64)


def test_a_lying_zip_directory_is_refused_at_the_default_limits(tmp_path):
    """A 1 KB file whose zip directory says its member expands to 1.1 GB."""
    path = _npz(tmp_path / "liar.npz", {"w.npy": _npy((4,), body=bytes(32))},
                zipfile.ZIP_DEFLATED)
    raw = bytearray(path.read_bytes())
    directory = raw.rindex(b"PK\x01\x02")
    struct.pack_into("<I", raw, directory + 24, 1_100_000_000)   # its uncompressed size
    path.write_bytes(bytes(raw))
    with pytest.raises(ck.CheckpointError, match=r"expand from .* to 1\.1 GB"):
        nn.load(path)


def test_the_total_size_limit(tmp_path):
    path = tmp_path / "big.npz"
    np.savez(path, w=np.zeros(1000))
    with pytest.raises(ck.CheckpointError, match="more than the limit"):
        npz_reader.read_npz(path, max_bytes=4000)
    assert npz_reader.read_npz(path, max_bytes=10_000)["w"].shape == (1000,)


# ---- only numbers ----------------------------------------------------------------------------------
@pytest.mark.parametrize("value, what", [
    (np.array(["2020-01-01"], dtype="datetime64[D]"), "dates"),
    (np.array([1], dtype="timedelta64[s]"), "time spans"),
    (np.array(["text"]), "text"),
    (np.array([b"raw"]), "bytes"),
    (np.array([1 + 2j]), "complex numbers"),
    (np.zeros(2, dtype=[("a", "<f4"), ("b", "<i4")]), "records"),
])
def test_non_numeric_dtypes_are_refused_naming_the_key(tmp_path, value, what):
    path = tmp_path / "odd.npz"
    np.savez(path, **{"fc.weight": np.zeros(2), "bad": value})
    with pytest.raises(ck.CheckpointError, match=f"key 'bad' holds {what}"):
        nn.load(path)


def test_object_arrays_name_the_key_and_refuse_to_unpickle(tmp_path):
    path = tmp_path / "evil.npz"
    np.savez(path, payload=np.array([{"run": "code"}], dtype=object))
    with pytest.raises(ck.CheckpointError, match="key 'payload'.*refusing to unpickle"):
        nn.load(path)


def test_fortran_order_and_byte_order_load_as_written(tmp_path):
    path = tmp_path / "orders.npz"
    f = np.asfortranarray(np.arange(6.0).reshape(2, 3))
    np.savez(path, f=f, big=np.arange(4, dtype=">i4"), flag=np.array([True, False]),
             empty=np.zeros((0, 3), np.float32), scalar=np.float16(1.5))
    loaded = nn.load(path)
    assert np.array_equal(loaded["f"].numpy(), f) and loaded["big"].numpy().tolist() == [0, 1,
                                                                                         2, 3]
    assert loaded["flag"].numpy().tolist() == [True, False] and loaded["empty"].shape == (0, 3)
    assert loaded["scalar"].numpy() == np.float16(1.5)


# ---- the wrong kind of file -----------------------------------------------------------------------
def test_fit_resume_on_a_plain_state_dict_says_it_holds_no_training_state(tmp_path):
    model, _, _ = _setup()
    nn.save(model, tmp_path / "weights.npz")
    with pytest.raises(ck.CheckpointError, match="holds no training state.*nn.load"):
        _fit(resume=tmp_path / "weights.npz")


def test_an_npy_renamed_npz_is_named_as_such(tmp_path):
    np.save(tmp_path / "w.npy", np.zeros(3))
    os.rename(tmp_path / "w.npy", tmp_path / "w.npz")
    for read in (nn.load, nn.load_checkpoint, lambda p: _fit(resume=p)):
        with pytest.raises(ck.CheckpointError, match=r"single \.npy array \(a \.npy file "
                                                     r"renamed \.npz\?\)"):
            read(tmp_path / "w.npz")


def test_a_folder_is_not_a_checkpoint(tmp_path):
    with pytest.raises(ck.CheckpointError, match="is a folder"):
        nn.load(tmp_path)


@pytest.mark.parametrize("epoch, message", [
    (5, "says epoch 5 but its history holds 1 epochs"),
    (-1, "epoch -1 is not a count"),
    ("1", "epoch '1' is not a count"),
    (True, "epoch True is not a count"),
])
def test_a_tampered_epoch_is_refused(tmp_path, training_checkpoint, epoch, message):
    path = tmp_path / "ckpt.npz"
    path.write_bytes(training_checkpoint)
    state = nn.load_checkpoint(path)
    state["epoch"] = epoch
    ck.save_checkpoint(path, **state)
    with pytest.raises(ck.CheckpointError, match=message):
        _fit(resume=path, epochs=3)


@pytest.mark.parametrize("part, value, message", [
    ("optimizer", {"state": {}, "param_groups": []}, "optimizer state does not fit"),
    ("optimizer", {"param_groups": "x"}, "optimizer state does not fit"),
    ("rng", {"bit_generator": "nope"}, "random generator state does not fit"),
    ("loader", {"generator": 3}, "loader state does not fit"),
])
def test_a_tampered_training_state_names_the_part(tmp_path, training_checkpoint, part, value,
                                                  message):
    path = _write(tmp_path, training_checkpoint)
    state = nn.load_checkpoint(path)
    state[part] = value
    ck.save_checkpoint(path, **state)
    with pytest.raises(ck.CheckpointError, match=message):
        _fit(resume=path, epochs=3)


def test_tampered_descriptions_are_checkpoint_errors(tmp_path, training_checkpoint):
    arrays = npz_reader.read_npz(_write(tmp_path, training_checkpoint),
                                 text_keys=("__checkpoint__",))
    for description in ('"just a string"', '{"model": 3}', "[" * 5000 + "]" * 5000,
                        '{"model": [], "optimizer": {"tensor": ["unhashable"]}}',
                        '{"model": [], "optimizer": {"a": 1, "b": 2}}', "not json"):
        path = tmp_path / "tampered.npz"
        np.savez(path, **{**arrays, "__checkpoint__": np.array(description)})
        with pytest.raises(ck.CheckpointError, match="tampered.npz"):
            nn.load_checkpoint(path)


def _write(tmp_path, raw: bytes, name="fuzz.npz"):
    path = tmp_path / name
    path.write_bytes(raw)
    return path


def _only_checkpoint_errors(path, readers=(nn.load, nn.load_checkpoint)):
    """Loading either succeeds or raises CheckpointError; anything else fails the test."""
    for read in readers:
        try:
            read(path)
        except ck.CheckpointError:
            pass


# ---- fuzzing ------------------------------------------------------------------------------------------
def test_every_single_byte_flip_gives_a_checkpoint_error_or_a_valid_load(tmp_path,
                                                                           training_checkpoint):
    raw = training_checkpoint
    assert len(raw) < 8000
    path = _write(tmp_path, raw)
    with open(path, "r+b") as file:                # flip in place: one write per flip
        for i in range(len(raw)):
            file.seek(i)
            file.write(bytes([raw[i] ^ (0xFF, 0x01, 0x80)[i % 3]]))
            file.flush()
            _only_checkpoint_errors(path, readers=(nn.load_checkpoint,))
            file.seek(i)
            file.write(raw[i:i + 1])


def test_every_truncation_gives_a_checkpoint_error(tmp_path, training_checkpoint):
    path = _write(tmp_path, training_checkpoint)
    for length in reversed(range(len(training_checkpoint))):
        os.truncate(path, length)
        with pytest.raises(ck.CheckpointError):
            nn.load_checkpoint(path)


def test_random_damage_gives_a_checkpoint_error_or_a_valid_load(tmp_path, training_checkpoint):
    rng = np.random.default_rng(0)
    for _ in range(300):
        damaged = bytearray(training_checkpoint)
        for i in rng.integers(0, len(damaged), size=rng.integers(1, 8)):
            damaged[i] = rng.integers(0, 256)
        _only_checkpoint_errors(_write(tmp_path, bytes(damaged)))


def test_crafted_headers_give_checkpoint_errors(tmp_path):
    rng = np.random.default_rng(1)
    descrs = ["<f8", "<f4", "|b1", "<i8", ">u2", "<c16", "|O", "<U5", "|S3", "<M8[D]",
              "|V8", [("a", "<f4")], "<f999", "garbage", 7, ""]
    shapes = [(), (0,), (3,), (2, 2), (-1,), (10**11,), (2**62, 2**62), (3, -3), (1.5,),
              ("a",), [2], None]
    for _ in range(400):
        descr = descrs[rng.integers(len(descrs))]
        shape = shapes[rng.integers(len(shapes))]
        header = repr({"descr": descr, "fortran_order": bool(rng.integers(2)),
                       "shape": shape}).encode()
        if rng.random() < 0.2:                                  # a damaged header text
            header = bytes(b if rng.random() > 0.1 else rng.integers(0, 256) for b in header)
        length = rng.choice([len(header), len(header) + 5, max(0, len(header) - 5), 65535])
        npy = b"\x93NUMPY" + bytes([1, 0]) + struct.pack("<H", length) + header
        npy += bytes(int(rng.integers(0, 48)))
        method = zipfile.ZIP_DEFLATED if rng.random() < 0.3 else zipfile.ZIP_STORED
        path = _npz(tmp_path / "crafted.npz", {"w.npy": npy}, method)
        _only_checkpoint_errors(path)
        _only_checkpoint_errors(_write(tmp_path, npy, "crafted-npy.npz"))


# ---- a writer killed mid-write -----------------------------------------------------------------------
KILLED_WRITER = """
import os, signal, sys
from nn import checkpoint as ck
def write(file):
    file.write(b"x" * 1_000_000)
    file.flush()
    os.kill(os.getpid(), signal.SIGKILL)
ck.atomic_write(sys.argv[1], write)
"""


@pytest.mark.skipif(os.name != "posix", reason="SIGKILL and process ids are POSIX")
def test_the_next_save_removes_what_a_killed_writer_left(tmp_path):
    path = tmp_path / "model.npz"
    ck.save({"w": np.zeros(2)}, path)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    done = subprocess.run([sys.executable, "-c", KILLED_WRITER, str(path)], env=env, check=False,
                          timeout=60)
    assert done.returncode == -9
    left = [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")]
    assert len(left) == 1 and left[0].startswith(".model.npz.")
    assert nn.load(path)["w"].shape == (2,), "the old file survived the kill"
    mine = tmp_path / f".model.npz.{os.getpid()}.inflight.tmp"    # a live writer's file
    mine.write_bytes(b"in progress")
    other = tmp_path / ".other.npz.1.x.tmp"
    other.write_bytes(b"someone else's")
    ck.save({"w": ad.tensor(np.ones(2))}, path)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        ["model.npz", mine.name, other.name])
    assert nn.load(path)["w"].numpy().tolist() == [1.0, 1.0]
