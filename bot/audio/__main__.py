"""`make audio`: every prompt in every language with a voice synthesised into the cache, the
voices checked against espeak-ng, and the district's recordings reported (current, outdated,
missing) with a script for each one still to record (docs/audio.md)."""
from __future__ import annotations

import argparse
import shutil
import sys
import time
from pathlib import Path

from bot.audio.prompts import prompts
from bot.audio.recordings import Recordings, State
from bot.audio.synthesis import SynthesisCache
from bot.audio.voices import VOICES, missing_voices
from bot.config import load_settings
from bot.deployment import load_deployment
from bot.i18n import SUPPORTED_LANGUAGES


def _size(folder: Path) -> int:
    return sum(path.stat().st_size for path in folder.rglob("*.ogg")) if folder.exists() else 0


def main(argv: list[str] | None = None) -> int:
    settings = load_settings()
    parser = argparse.ArgumentParser(prog="make audio", description=__doc__)
    parser.add_argument("--scripts", type=Path, default=settings.var_dir / "audio-scripts",
                        help="where to write <lang>/<message>.txt for each recording still to make")
    args = parser.parse_args(argv)
    tools = [tool for tool in ("espeak-ng", "opusenc") if shutil.which(tool) is None]
    if tools:
        print(f"missing: {' '.join(tools)} (make audio-tools installs them)", file=sys.stderr)
        return 1
    if missing := missing_voices():
        print(f"espeak-ng has no voice {missing} (bot/audio/voices.py)", file=sys.stderr)
        return 1
    deployment = load_deployment(settings.deployment_file)
    cache, recordings = SynthesisCache(settings.audio_cache_dir), Recordings(settings.recordings_dir)
    shutil.rmtree(args.scripts, ignore_errors=True)  # only what is still to record
    synthesised, seconds = 0, 0.0
    print(f"{'language':<9}{'voice':<8}{'prompts':>8}{'recorded':>10}{'outdated':>10}{'to record':>11}{'new':>6}")
    for language in SUPPORTED_LANGUAGES:
        states = {State.CURRENT: 0, State.OUTDATED: 0, State.MISSING: 0}
        new = 0
        for prompt in prompts(language, deployment):
            state = recordings.state(language, prompt.name, prompt.script)
            states[state] += 1
            if state is not State.CURRENT:
                script = args.scripts / language / f"{prompt.name}.txt"
                script.parent.mkdir(parents=True, exist_ok=True)
                script.write_text(prompt.script + "\n", encoding="utf-8")
                if language in VOICES and cache.get(prompt.script, language) is None:
                    started = time.perf_counter()
                    cache.synthesised(prompt.script, language)
                    seconds += time.perf_counter() - started
                    new += 1
        synthesised += new
        print(f"{language:<9}{VOICES.get(language, '—'):<8}{sum(states.values()):>8}{states[State.CURRENT]:>10}"
              f"{states[State.OUTDATED]:>10}{states[State.MISSING]:>11}{new:>6}")
    silent = [language for language in SUPPORTED_LANGUAGES if language not in VOICES]
    print(f"\nno voice (only recordings can be heard, no 🔊 otherwise): {', '.join(silent)}")
    if synthesised:
        print(f"synthesised now: {synthesised} prompts in {seconds:.1f} s, {seconds / synthesised:.3f} s each")
    print(f"audio cache {settings.audio_cache_dir}: {_size(settings.audio_cache_dir) / 1e6:.1f} MB")
    print(f"scripts of the recordings still to make: {args.scripts}/<lang>/<message>.txt")
    return 0


if __name__ == "__main__":
    sys.exit(main())
