"""What the Rasa server (bot/), the action server (actions/) and the staff's
commands share, and nothing else: the configuration (settings.py, with its
defaults in defaults.env), the databases' engines and private files
(database.py), the lead database's tables (lead_tables.py), the lead spool
(lead_spool.py), the counted booking links (booking_links.py), phone
numbers as E.164 (contacts.py), a texter's number
sealed for the action server (sms_number.py), the log rules (log_privacy.py),
the client's address behind proxies (client_address.py) and where the action
server may listen (exposure.py).

It imports neither bot/ nor actions/, so the action server ships as
actions/, rasa_sdk_plugins/ and this package alone (actions/requirements.txt).
"""
