"""The built wheel works on its own: installed outside the checkout, it signs a demo batch.

The wheel is built from a copy of the sources (so the checkout gets no build/ or egg-info),
with pip's build isolation (setuptools from the package index). It is installed into a fresh
virtual environment; the environment borrows the dependencies of the interpreter running the
tests through a ``.pth`` line (installing them again from the registry would make the test slow
and depend on the network), which adds them after the venv's own site-packages, so ``clearterm``
itself can only come from the wheel. Everything runs from a folder outside the checkout, without
``PYTHONPATH`` or ``CLEARTERM_*`` variables, so the checkout's templates cannot be found by accident.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile

import pytest

from clearterm.documents.templates import Templates
from conftest import REPO

pytestmark = pytest.mark.slow


def _run(cmd, cwd, env, timeout=180) -> subprocess.CompletedProcess:
    res = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert res.returncode == 0, f"{cmd[:4]} failed:\n{res.stdout[-2000:]}\n{res.stderr[-2000:]}"
    return res


def _build_wheel(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(REPO / name, src / name)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for name in ("clearterm", "templates"):
        shutil.copytree(REPO / name, src / name, symlinks=True, ignore=ignore)
    dist = tmp_path / "dist"
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(dist), str(src)],
         cwd=tmp_path, env=os.environ.copy(), timeout=300)
    (wheel,) = dist.glob("clearterm-*.whl")
    return wheel


def test_wheel_installed_outside_the_checkout_signs_a_demo_batch(tmp_path):
    wheel = _build_wheel(tmp_path)
    root = REPO / "templates" / "documents"
    shipped = sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())
    assert "letters/es/letter_granted.txt" in shipped  # the subfolders too (letters per language)
    prefix = "clearterm/_templates/documents/"
    with zipfile.ZipFile(wheel) as zf:
        in_wheel = sorted(n[len(prefix):] for n in zf.namelist() if n.startswith(prefix))
    assert in_wheel == shipped

    venv = tmp_path / "venv"
    _run([sys.executable, "-m", "venv", "--without-pip", str(venv)], cwd=tmp_path, env=os.environ.copy())
    py = venv / "bin" / "python"
    _run([sys.executable, "-m", "pip", "--python", str(py), "install", "--no-deps", "--no-index", "-q",
          str(wheel)], cwd=tmp_path, env=os.environ.copy())
    site = _run([str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                cwd=tmp_path, env=os.environ.copy()).stdout.strip()
    deps = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    (venv / site.split(str(venv) + os.sep, 1)[1] / "_test_deps.pth").write_text("\n".join(sorted(deps)) + "\n")

    work = tmp_path / "elsewhere"
    work.mkdir(mode=0o700)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH" and not k.startswith("CLEARTERM_")}
    env["HOME"] = str(work)
    where = _run([str(py), "-c", "import clearterm; print(clearterm.__file__)"], cwd=work, env=env).stdout
    assert where.strip().startswith(str(venv))

    clearterm = str(venv / "bin" / "clearterm")
    out = _run([clearterm, "demo", "--dir", "d", "--records", "300", "--export", "--no-review"],
               cwd=work, env=env).stdout
    assert "signed batch B-" in out
    batch_dirs = sorted(p for p in (work / "d" / "export").iterdir() if p.name.startswith("B-"))
    assert batch_dirs
    ca = work / "d" / "export" / "demo-keys" / "demo-ca.pem"
    for batch_dir in batch_dirs:
        _run([clearterm, "--db", "d/demo.db", "batch", "verify", str(batch_dir), "--trust-root", str(ca)],
             cwd=work, env=env)
        manifest = json.loads((batch_dir / "manifest.json").read_text(encoding="utf-8"))
        # the shipped templates, with the demo office's contact block filled in (DEMO ONLY)
        demo_templates = work / "d" / "export" / "demo-templates"
        assert (demo_templates / "labels.toml").read_bytes() == (REPO / "templates" / "documents" / "labels.toml").read_bytes()
        assert manifest["templates_sha256"] == Templates(demo_templates).fingerprint()
