"""Every tutorial runs top to bottom as a plain script and asserts the facts it teaches.

Each one runs in its own temporary folder (the files it writes land there), as a subprocess
with the repository on PYTHONPATH and matplotlib's Agg backend, so a tutorial that drifts
from the engine fails here with its own traceback.
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TUTORIALS = sorted((ROOT / "tutorials").glob("[0-9][0-9]_*.py"))


def test_the_course_is_complete():
    numbers = [int(path.name[:2]) for path in TUTORIALS]
    assert numbers == list(range(1, 14)), f"expected tutorials 01..13, found {numbers}"


def test_every_tutorial_is_a_jupytext_percent_script():
    for path in TUTORIALS:
        text = path.read_text(encoding="utf-8")
        assert text.startswith("# ---\n# jupyter:\n#   jupytext:\n"), path.name
        assert "format_name: percent" in text, path.name
        assert "# %% [markdown]" in text and "\n# %%\n" in text, path.name


def run_script(args: list[str], cwd: Path, name: str) -> str:
    """Run ``python *args`` as a learner would (Agg backend, the repo importable); fail the
    test with the script's own output when it exits non-zero. Returns its stdout."""
    env = dict(os.environ)
    env["MPLBACKEND"] = "Agg"
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    env.pop("CHAINRULE_TUTORIAL_FIGURES", None)
    result = subprocess.run([sys.executable, *args], cwd=cwd, env=env, check=False,
                            capture_output=True, text=True, timeout=600)
    if result.returncode != 0:
        pytest.fail(f"{name} failed (exit {result.returncode}):\n"
                    f"{result.stdout[-3000:]}\n{result.stderr[-6000:]}", pytrace=False)
    return result.stdout


@pytest.mark.parametrize("path", TUTORIALS, ids=[p.stem for p in TUTORIALS])
def test_tutorial_runs(path: Path, tmp_path: Path):
    run_script([str(path)], tmp_path, path.name)


# The GPU cell of tutorial 12 runs where CuPy finds a GPU. Elsewhere, run the tutorial once
# with the strict fake device of tests/fake_device.py installed as "cuda", so that cell is
# exercised on every machine (a leak of device arrays into NumPy would fail it).
FAKE_GPU = """
import runpy, sys
sys.path.insert(0, {tests!r})
from fake_device import fake_backend
from autodiff import backend
backend.register_backend(fake_backend("cuda"))
runpy.run_path({path!r}, run_name="__main__")
"""


def test_the_gpu_cell_of_tutorial_12_on_the_fake_device(tmp_path: Path):
    path = ROOT / "tutorials" / "12_training_a_cnn.py"
    code = FAKE_GPU.format(tests=str(ROOT / "tests"), path=str(path))
    stdout = run_script(["-c", code], tmp_path, "12_training_a_cnn.py on the fake device")
    assert "loss per epoch, GPU:" in stdout and "skipping" not in stdout
