"""Every tutorial runs top to bottom as a plain script and asserts the facts it teaches.

Each one runs in its own temporary folder, as a subprocess with the repository on PYTHONPATH
and matplotlib's Agg backend, so a tutorial that drifts from the engine fails here with its own
traceback. As a script it writes every file into its output folder ($CHAINRULE_OUTPUT), never
the current directory, and saves every figure it shows; as a notebook (jupytext, executed by
nbclient) every cell that shows a figure holds an image.
"""
from __future__ import annotations

import os
import re
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


SHOWN = re.compile(r'ad\.viz\.show\([^\n]*"([^"\n]+)"')      # ad.viz.show(figure, "name.png", ...)


def learner_env(output: Path) -> dict:
    """The environment a learner's run gets: Agg backend, the repo importable, one output folder."""
    env = dict(os.environ)
    env["MPLBACKEND"] = "Agg"
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    env.pop("CHAINRULE_TUTORIAL_FIGURES", None)
    env["CHAINRULE_OUTPUT"] = str(output)
    return env


def run_script(args: list[str], cwd: Path, name: str) -> str:
    """Run ``python *args`` as a learner would, from ``cwd``, writing into ``cwd / "output"``;
    fail the test with the script's own output when it exits non-zero. Returns its stdout."""
    env = learner_env(cwd / "output")
    result = subprocess.run([sys.executable, *args], cwd=cwd, env=env, check=False,
                            capture_output=True, text=True, timeout=600)
    if result.returncode != 0:
        pytest.fail(f"{name} failed (exit {result.returncode}):\n"
                    f"{result.stdout[-3000:]}\n{result.stderr[-6000:]}", pytrace=False)
    return result.stdout


@pytest.mark.parametrize("path", TUTORIALS, ids=[p.stem for p in TUTORIALS])
def test_tutorial_runs(path: Path, tmp_path: Path):
    stdout = run_script([str(path)], tmp_path, path.name)
    assert [p.name for p in tmp_path.iterdir()] == ["output"], \
        f"{path.name} wrote into the current directory"
    shown = SHOWN.findall(path.read_text(encoding="utf-8"))
    assert shown, f"{path.name} shows no figure"
    for name in shown:
        assert (tmp_path / "output" / name).stat().st_size > 1000, f"{name} was not saved"
        assert f"figure saved: {tmp_path / 'output' / name}" in stdout


def figure_cells(notebook) -> list:
    return [cell for cell in notebook.cells
            if cell.cell_type == "code" and "ad.viz.show(" in cell.source]


@pytest.mark.parametrize("path", TUTORIALS, ids=[p.stem for p in TUTORIALS])
def test_tutorial_notebook_shows_its_figures(path: Path, tmp_path: Path, monkeypatch):
    """Executed as a Jupyter notebook, each figure appears inline as an image (not as the
    text ``<Figure size ...>``) and nothing is written beside the notebook."""
    jupytext = pytest.importorskip("jupytext")
    nbclient = pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")
    for key, value in learner_env(tmp_path / "output").items():
        monkeypatch.setenv(key, value)
    notebook = jupytext.read(path)
    client = nbclient.NotebookClient(notebook, timeout=600, kernel_name="python3",
                                     resources={"metadata": {"path": str(tmp_path)}})
    client.execute()
    cells = figure_cells(notebook)
    assert cells, f"{path.name} shows no figure"
    for cell in cells:
        kinds = {kind for output in cell.outputs for kind in output.get("data", {})}
        assert kinds & {"image/png", "image/svg+xml"}, \
            f"{path.name}: a figure cell shows {sorted(kinds)}, not an image:\n{cell.source}"
    assert {p.name for p in tmp_path.iterdir()} <= {"output"}


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
