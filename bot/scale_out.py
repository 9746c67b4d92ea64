"""What several Rasa servers or action servers need, checked before `lotse run` starts any
(decision 16)."""
from __future__ import annotations

from bot.config import Settings


def refusal(settings: Settings) -> str | None:
    """Why these settings cannot run with their number of workers, in one line; None if they can."""
    if settings.action_urls:
        return ("LOTSE_ACTION_URLS names action servers elsewhere, but `lotse run` starts its own on this "
                "machine: unset it, or start each process yourself (docs/deployment.md)")
    workers = f"LOTSE_RASA_WORKERS={settings.rasa_workers} LOTSE_ACTION_WORKERS={settings.action_workers}"
    if settings.rasa_workers == 1 and settings.action_workers == 1:
        return None
    # Several processes writing one SQLite file wait for each other's write lock: more workers
    # would be slower, not faster, and a busy timeout away from failing.
    for setting, url in (("DATABASE_URL", settings.app_database_url),
                         ("LOTSE_TRACKER_STORE_URL", settings.tracker_database_url)):
        if url.startswith("sqlite"):
            return (f"{workers} needs PostgreSQL: {setting} is SQLite, which takes one writer at a time; "
                    f"set {setting}=postgresql+psycopg://… or run one worker of each")
    if settings.rasa_workers > 1 and not settings.lock_store_url:
        return (f"{workers} needs a lock store: set LOTSE_LOCK_STORE_URL=redis://…, or two Rasa servers "
                "could work on one conversation at once and lose a turn")
    return None
