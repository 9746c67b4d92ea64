"""The `lotse` command's behaviour where it meets a newcomer."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.config import PROJECT_ROOT


def test_run_without_a_token_explains_how_to_get_one(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "TELEGRAM_BOT_TOKEN"}
    env["LOTSE_VAR_DIR"] = str(tmp_path)
    result = subprocess.run([sys.executable, "-m", "bot.cli", "run"], env=env, capture_output=True, text=True,
                            stdin=subprocess.DEVNULL, timeout=60)
    assert result.returncode == 1
    assert "@BotFather" in result.stderr and "lotse chat" in result.stderr


# The Rasa environment stays on Python 3.10, the app environment is on 3.12 (decision 18).
FINDERS = pytest.mark.parametrize("version", ["3.10", "3.12"])


@FINDERS
def test_find_python_names_what_to_install_when_there_is_none(tmp_path: Path, version: str) -> None:
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "PYENV_ROOT": str(tmp_path / "pyenv")}
    script = PROJECT_ROOT / "scripts" / f"find-python{version.replace('.', '')}"
    result = subprocess.run(["sh", str(script)], env=env, capture_output=True, text=True)
    if result.returncode == 0:
        pytest.skip(f"this machine has a system python{version} on /usr/bin")
    assert f"pyenv install {version}" in result.stderr and f"LOTSE_PYTHON{version.replace('.', '')}" in result.stderr


@FINDERS
def test_find_python_finds_pyenv_without_pyenv_on_path(version: str) -> None:
    pyenv_root = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv"))
    if not list(pyenv_root.glob(f"versions/{version}*/bin/python{version}")):
        pytest.skip(f"no pyenv Python {version} on this machine")
    env = {"PATH": "/usr/bin:/bin", "HOME": str(Path.home()), "PYENV_ROOT": str(pyenv_root)}
    script = PROJECT_ROOT / "scripts" / f"find-python{version.replace('.', '')}"
    result = subprocess.run(["sh", str(script)], env=env, capture_output=True, text=True, check=True)
    found = result.stdout.strip()
    assert found.startswith(str(pyenv_root))
    assert subprocess.run([found, "-c", "import sys; print(*sys.version_info[:2], sep='.')"],
                          capture_output=True, text=True, check=True).stdout.strip() == version


def test_find_python_ignores_lotse_python_of_another_version(tmp_path: Path) -> None:
    """LOTSE_PYTHON once named the one interpreter for both environments; pointing at 3.10 it
    must not become the app environment's Python."""
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "PYENV_ROOT": str(tmp_path / "pyenv"),
           "LOTSE_PYTHON": sys.executable}
    other = "3.10" if sys.version_info[:2] != (3, 10) else "3.12"
    script = PROJECT_ROOT / "scripts" / f"find-python{other.replace('.', '')}"
    result = subprocess.run(["sh", str(script)], env=env, capture_output=True, text=True)
    assert result.stdout.strip() != sys.executable
