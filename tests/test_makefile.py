"""The lean set-up of `make demo`: what it installs agrees with pyproject.toml, and is enough."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import tomllib
from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[1]


def _demo_deps() -> list[Requirement]:
    makefile = (ROOT / "Makefile").read_text()
    (line,) = re.findall(r"^DEMO_DEPS \?= (.*)$", makefile, re.M)
    return [Requirement(text) for text in re.findall(r"'([^']+)'", line)]


def test_the_demos_packages_have_pyprojects_bounds():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    declared = {
        Requirement(text).name: Requirement(text).specifier
        for text in [*project["dependencies"], *project["optional-dependencies"]["plot"]]
    }
    demo = _demo_deps()
    assert {r.name for r in demo} == {"numpy", "scipy", "matplotlib"}
    for requirement in demo:
        assert requirement.specifier == declared[requirement.name], requirement


def test_the_quickstart_runs_without_torch_pandas_or_the_test_tools(tmp_path):
    # What `make demo` leaves out must not be needed: the quickstart runs with them blocked.
    blocker = (
        "import sys\n"
        "class Block:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name.split('.')[0] in {'torch', 'pandas', 'sympy', 'tqdm', 'xarray',\n"
        "                                  'dask', 'pytest', 'hypothesis', 'statsmodels'}:\n"
        "            raise ImportError(name)\n"
        "sys.meta_path.insert(0, Block())\n"
        "import runpy\n"
        f"sys.argv = ['quickstart', '--output', {str(tmp_path)!r}]\n"
        f"runpy.run_path({str(ROOT / 'examples' / 'quickstart.py')!r}, run_name='__main__')\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", blocker], capture_output=True, text=True, cwd=ROOT
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert (tmp_path / "quickstart.png").exists()


def test_make_demo_does_not_install_torch_and_make_test_does():
    makefile = (ROOT / "Makefile").read_text()
    demo = re.search(r"^\$\(DEMO_STAMP\):.*?(?=^\S)", makefile, re.M | re.S).group(0)
    assert "--no-deps -e ." in demo and "TORCH_SPEC" not in demo
    full = re.search(r"^\$\(STAMP\):.*?(?=^\S)", makefile, re.M | re.S).group(0)
    assert "$(TORCH_SPEC)" in full and ".[$(EXTRAS)]" in full
    assert re.search(r"^test: lint typecheck$", makefile, re.M)
    assert re.search(r"^lint: \$\(STAMP\)$", makefile, re.M)  # the full set-up, with the tools
