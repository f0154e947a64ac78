"""Byte-compile kommunebench before timing whole processes, as ``pip install .`` leaves it.

A process's start-up includes importing ≈ 220 of the package's modules. Installed with
``pip install .`` (the README's demo command) they are byte-compiled at install time; run from a
source checkout (an editable install) on a machine that sets ``PYTHONDONTWRITEBYTECODE`` they are
compiled again at every start, ≈ 0.4 s of a quiet 2-core machine. The process benchmarks call
:func:`ensure_bytecode` first so that they time the product as installed; the line it returns
says what was done, for the printed figures.
"""

from __future__ import annotations

import compileall
import os
from pathlib import Path

import kommunebench


def ensure_bytecode() -> str:
    """Compile the package's modules that lack up-to-date bytecode; a line for the output."""
    root = Path(kommunebench.__file__).parent
    ok = compileall.compile_dir(root, quiet=1)
    env = "PYTHONDONTWRITEBYTECODE is set" if os.environ.get("PYTHONDONTWRITEBYTECODE") else "bytecode is written"
    state = "byte-compiled" if ok else "NOT fully byte-compiled (see the errors above)"
    return f"kommunebench at {root}: {state}, as pip install . leaves it ({env} in this environment)"
