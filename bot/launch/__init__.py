"""How each process starts. `make run` runs run.sh (the Rasa server, the
action server and the demo page), `make shell` runs shell.sh; both through
`python -m bot.launch` (__main__.py), which fills the environment from the
settings first. rasa_cli.py is Rasa's command line with the project's
start-up additions; local_servers.py finds free ports and waits for servers
that the tests and `make bench` start."""
