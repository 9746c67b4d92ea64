"""Reminders for people who stopped in the middle of the intake (decision 19): scheduled when
the person writes, sent by the gateway when due, never at night, once."""
