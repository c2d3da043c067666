"""What the Rasa server loads by module path: input channels (channels/,
named in credentials.yml), the response generator (nlg.py) and the tracker
store (tracker_store.py), both named in endpoints.yml."""
