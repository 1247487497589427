"""Running the project's Node.js scripts (packages from package-lock.json) from tests."""

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]


def needs_node_package(package: str) -> pytest.MarkDecorator:
    """Skip unless Node.js is here and ``npm ci`` installed ``package``."""
    return pytest.mark.skipif(
        shutil.which("node") is None or not (ROOT / "node_modules" / package).is_dir(),
        reason=f"needs Node.js and `npm ci` ({package})",
    )


def run_script(script: Path, *args: str) -> Any:
    """Run ``script`` with ``node`` and read the JSON it prints."""
    run = subprocess.run(
        ["node", str(script), *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
        cwd=ROOT,
    )
    return json.loads(run.stdout)
