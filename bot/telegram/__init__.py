"""The Telegram gateway (python-telegram-bot): Telegram updates in, Rasa's replies out."""
