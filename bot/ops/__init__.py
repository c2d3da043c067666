"""Commands that staff and cron run against the clinic's data (README,
Operations), each with `python -m bot.ops.<name>` behind a make target:
privacy (find, forget, purge), backup (create, list, restore) and preflight
(make run's start-up check); and the staff shell's input line
(staff_console.py, installed by bot/launch/rasa_cli.py for `make shell`)."""
