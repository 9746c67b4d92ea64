"""`python -m bot.eligibility check PROFILE.json` / `python -m bot.eligibility validate`."""
import sys

from .cli import main

sys.exit(main())
