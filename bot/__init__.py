"""The Rasa server's side of the assistant, by kind of code:

- server/: what the Rasa server loads by name (credentials.yml,
  endpoints.yml): the input channels, the response generator (nlg.py) and the
  tracker store;
- safety/ and nlu/: graph components of the trained model (config.yml names
  them there, so they stay), and us_places.py, the US places that the NLU's
  spaCy pipeline tags and the safety check's training reads;
- ops/: commands that staff and cron run (privacy requests and retention,
  backups, make run's preflight) and the staff shell's input line;
- model_tools/: building and scoring the model (the spaCy pipeline, the
  held-out NLU evaluation), never loaded by a server;
- demo_page/: the clinic page with the chat widget, and its server;
- launch/: how each process starts (make run, make shell, the Rasa CLI).

The action server is actions/ (with rasa_sdk_plugins/); what both sides share
is clinic_common/.
"""
