"""The staff side: accounts, the audit log, and work on cases (the web app is bot.web)."""
