"""The worked example of docs/api.md runs as written, from a fresh Python, and writes
nothing: a reader who copies it gets what the page says."""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _first_python_block(text: str) -> str:
    match = re.search(r"^```python\n(.*?)^```$", text, re.S | re.M)
    assert match, "docs/api.md has no python example"
    return match.group(1)


@pytest.mark.slow
def test_the_worked_example_runs_and_writes_nothing(tmp_path: Path) -> None:
    code = _first_python_block((ROOT / "docs" / "api.md").read_text(encoding="utf-8"))
    script = tmp_path / "example.py"
    # Worker processes import the script, hence the guard the page tells scripts to use.
    script.write_text("if __name__ == '__main__':\n" + "".join(f"    {line}\n" for line in code.splitlines()),
                      encoding="utf-8")
    done = subprocess.run([sys.executable, str(script)], cwd=tmp_path, capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "risk_difference" in done.stdout and "Helse Nord-Trøndelag HF:" in done.stdout
    assert sorted(p.name for p in tmp_path.iterdir()) == ["example.py"]
