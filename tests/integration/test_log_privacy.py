"""Personal data stays out of the servers' logs when things fail.

The failures are real: the lead database refuses the call-back request (a
trigger aborts the insert, as a full disk or a broken migration would), with
the visitor's name and phone number in its SQL parameters, and the lead
spool cannot take it either (its folder is a file, as on a disk gone
read-only), so the visitor is told to try again. Then the action server goes
away mid-form. Both servers run at their default log level, INFO, as `make
run` starts them. (How an action that raises is logged, traceback and SQL
error included, is in tests/unit/test_log_privacy.py: the spool leaves no
lead database error for an action to raise.)
"""

import sqlite3

import pytest
from sqlalchemy import create_engine

from clinic_common.lead_tables import Base
from tests.servers import Assistant

NAME = "Zelda Quartermaine"
TYPED_PHONE = "+1 212 555 0147"
MESSAGES = ["book an appointment", "yes", NAME, TYPED_PHONE, "Kalamazoo"]
PERSONAL = [
    "Zelda",
    "Quartermaine",
    "2125550147",
    "212 555 0147",
    "book an appointment",
    "Kalamazoo",
    "i want a consultation please",
]


@pytest.fixture
def refusing_lead_database(tmp_path):
    assistant = Assistant(tmp_path)
    engine = create_engine(f"sqlite:///{assistant.leads_db}")
    Base.metadata.create_all(engine)
    engine.dispose()
    with sqlite3.connect(assistant.leads_db) as db:
        db.execute("CREATE TRIGGER refuse BEFORE INSERT ON leads BEGIN SELECT RAISE(ABORT, 'disk full'); END")
    assistant.spool.write_text("not a folder")
    yield assistant
    assistant.stop()


def test_failed_actions_log_what_failed_but_no_name_phone_or_message(refusing_lead_database):
    assistant = refusing_lead_database.start(web=False)
    replies = [assistant.say("log-privacy", message) for message in MESSAGES]
    assert replies[2][0]["text"].startswith(f"Thanks, {NAME}.")
    assert replies[-1][0]["text"].startswith("Sorry, I couldn't save your request just now.")

    assistant.stop_process("actions")
    late = assistant.say("log-privacy", "i want a consultation please")  # needs the action server
    assert late[0]["text"].startswith("Sorry, I couldn't finish that just now.")

    rasa_log = (assistant.workdir / "rasa.log").read_text()
    actions_log = (assistant.workdir / "actions.log").read_text()
    # What an operator needs is there: which conversation, what kind of failure.
    assert "Couldn't connect to the server at" in rasa_log
    assert "Could not keep a call-back request for conversation log-privacy anywhere (FileExistsError)" in actions_log
    # What the visitor typed is not.
    for text in PERSONAL:
        assert text not in rasa_log, text
        assert text not in actions_log, text
