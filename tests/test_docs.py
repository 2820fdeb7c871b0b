"""The README's and the documentation's code blocks run, and the documentation site builds.

Python blocks of one page run in order in one namespace (later blocks use earlier names), in a
temporary directory. In shell blocks, ``pydelt-like`` lines run through the command's ``main``
after the page's Python blocks; ``make`` lines set up this very checkout and are not run here.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
import types
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
BLOCK = re.compile(r"^```(\w+)\n(.*?)^```", re.S | re.M)


def _blocks(page: Path, language: str) -> list[str]:
    return [code for lang, code in BLOCK.findall(page.read_text()) if lang == language]


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_code_blocks_run(page, tmp_path, monkeypatch):
    python = _blocks(page, "python")
    commands = [
        line
        for block in _blocks(page, "bash")
        for line in block.splitlines()
        if line.startswith("pydelt-like ")
    ]
    if not python and not commands:
        pytest.skip("no runnable code blocks")
    pytest.importorskip("pandas")
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    monkeypatch.chdir(tmp_path)
    # A page may register a family (docs/extending.md does): the table is restored afterwards.
    from pydelt_like import registry

    monkeypatch.setattr(registry, "_FAMILIES", dict(registry._FAMILIES))
    # The page runs as a module of its own, so classes it defines pickle like any module's.
    module = types.ModuleType(f"docs_{page.stem.replace('-', '_')}")
    monkeypatch.setitem(sys.modules, module.__name__, module)
    namespace = module.__dict__
    for number, code in enumerate(python):
        exec(compile(code, f"{page.name}, python block {number + 1}", "exec"), namespace)
    from pydelt_like.cli import main

    for line in commands:
        words = shlex.split(line.split("#")[0])
        assert main(words[1:]) == 0, line


def test_documentation_site_builds_strict_without_warnings(tmp_path):
    pytest.importorskip("mkdocs")
    pytest.importorskip("mkdocstrings")
    mkdocs = shutil.which("mkdocs", path=str(Path(sys.executable).parent)) or "mkdocs"
    result = subprocess.run(
        [mkdocs, "build", "--strict", "--site-dir", str(tmp_path / "site")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},  # a theme notice, not a build warning
    )
    assert result.returncode == 0, result.stderr[-3000:]
    warnings = [line for line in result.stderr.splitlines() if re.match(r"\s*WARNING", line)]
    assert not warnings, "\n".join(warnings)
    assert "not included in the" not in result.stderr  # every page is in the navigation
    assert (tmp_path / "site" / "timeseries" / "index.html").exists()
    # Docstrings' Sphinx roles are links or code on the API page (tools/sphinx_roles.py).
    api = (tmp_path / "site" / "api" / "index.html").read_text()
    assert not re.search(r":(class|func|meth|attr|data|mod):", api)
    assert 'href="#pydelt_like.timeseries.differentiate"' in api
