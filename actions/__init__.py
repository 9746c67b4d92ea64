"""The Rasa action server: a thin layer that reads the tracker and calls into `bot`.

Never import `rasa` here (only `rasa_sdk`): the app environment has none of Rasa's pins.
"""
