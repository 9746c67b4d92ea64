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


def test_find_python310_names_what_to_install_when_there_is_none(tmp_path: Path) -> None:
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "PYENV_ROOT": str(tmp_path / "pyenv")}
    result = subprocess.run(["sh", str(PROJECT_ROOT / "scripts" / "find-python310")], env=env,
                            capture_output=True, text=True)
    if result.returncode == 0:
        pytest.skip("this machine has a system python3.10 on /usr/bin")
    assert "pyenv install 3.10" in result.stderr and "LOTSE_PYTHON" in result.stderr


def test_find_python310_finds_pyenv_without_pyenv_on_path() -> None:
    pyenv_root = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv"))
    if not list(pyenv_root.glob("versions/3.10*/bin/python3.10")):
        pytest.skip("no pyenv Python 3.10 on this machine")
    env = {"PATH": "/usr/bin:/bin", "HOME": str(Path.home()), "PYENV_ROOT": str(pyenv_root)}
    result = subprocess.run(["sh", str(PROJECT_ROOT / "scripts" / "find-python310")], env=env,
                            capture_output=True, text=True, check=True)
    assert result.stdout.strip().startswith(str(pyenv_root))
