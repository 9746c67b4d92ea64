"""`lotse run` (what `make run` starts): everything comes up, answers on Telegram, and Ctrl-C
stops every process."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from bot.config import PROJECT_ROOT
from tests.e2e.conftest import e2e_settings
from tests.e2e.fake_telegram import FakeTelegram, TelegramUser


def test_lotse_run_serves_telegram_and_stops_on_ctrl_c(tmp_path: Path) -> None:
    telegram = FakeTelegram()  # its own Bot API, so only this run's gateway can answer
    telegram.start()
    settings = e2e_settings(tmp_path, telegram)
    env = {**os.environ, **settings.as_environment(), "RASA_TOKEN": ""}
    process = subprocess.Popen([sys.executable, "-m", "bot.cli", "run"], cwd=PROJECT_ROOT, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        output = ""
        deadline = time.monotonic() + 300
        while "Lotse is running" not in output:
            line = process.stdout.readline()
            assert line or process.poll() is None, f"lotse run ended early:\n{output}"
            output += line
            assert time.monotonic() < deadline, f"lotse run did not come up:\n{output}"
        assert "database migrated" in output and "Rasa server on" in output

        user = TelegramUser(telegram, 7999001, language_code="de")
        replies = user.say("/start")
        assert "Welche Sprache" in replies[0].text

        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=60) == 0
        rest = process.stdout.read()
        assert "stopped." in rest
        children = subprocess.run(["pgrep", "-f", f"--port {settings.rasa_port}"], capture_output=True, text=True)
        assert children.stdout.strip() == "", "the Rasa server outlived lotse run"
    finally:
        if process.poll() is None:
            process.kill()
        telegram.stop()
