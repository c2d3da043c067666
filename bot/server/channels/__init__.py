"""Rasa input channels for the clinic's website widget and SMS number.

Named in credentials.yml by module path; both keep Rasa's own channel names
("socketio", "twilio"), so the actions know which screen they write for.
"""
