"""A lead database that cannot take a lead loses nothing: the lead waits in
the spool (LEADS_SPOOL_DIR) and the next delivery run moves it in."""

import logging
import os
import shutil
import sqlite3
import stat
from contextlib import contextmanager
from pathlib import Path

from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import lead_store
from actions.leads import ActionSubmitLead
from actions.safety import ActionAlertClinic
from clinic_common import lead_spool
from tests.clinic_webhook import FakeClinicWebhook
from tests.trackers import tracker_before_action
from tests.unit.test_leads import _emergency_after_treatment_tracker, background_runs_done

PERSONAL = ("Jane", "jane@example.com", "Austin")


@contextmanager
def locked_leads_db(monkeypatch, tmp_path):
    """leads.db held by another writer, as a long `make purge` or a backup
    tool would hold it. SQLite waits `timeout` seconds, then gives up."""
    path = tmp_path / "leads.db"
    monkeypatch.setenv("LEADS_DB_URL", f"sqlite:///{path}?timeout=0.2")
    lead_store.save_lead(
        sender_id="earlier",
        name="Earlier One",
        contact="earlier@example.com",
        city="Austin",
        channel="rest",
        topic=None,
    )
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        yield path
    finally:
        holder.execute("ROLLBACK")
        holder.close()


def submit(domain):
    tracker = tracker_before_action("lead_form", "action_submit_lead")
    dispatcher = CollectingDispatcher()
    events = ActionSubmitLead().run(dispatcher, tracker, domain)
    background_runs_done()
    return [m["text"] for m in dispatcher.messages], events


def contacts_in(path):
    with sqlite3.connect(path) as db:
        return [row[0] for row in db.execute("select contact from leads order by id")]


def test_a_locked_lead_database_keeps_the_lead_in_the_spool_and_the_next_run_delivers_it(
    domain, monkeypatch, tmp_path, caplog
):
    caplog.set_level(logging.INFO)
    with locked_leads_db(monkeypatch, tmp_path) as path:
        texts, events = submit(domain)
        # The visitor is thanked as usual: the request is kept on disk.
        assert texts[0].startswith("Thanks, Jane Doe! The clinic will get in touch soon")
        assert SlotSet("lead_contact", None) in events
        [spooled] = lead_spool.waiting()
        assert stat.S_IMODE(spooled.stat().st_mode) == 0o600
        assert stat.S_IMODE(spooled.parent.stat().st_mode) == 0o700
        # Still locked: a delivery run keeps it where it is.
        assert lead_store.deliver_pending() == 0 and lead_spool.waiting() == [spooled]
    logged = "\n".join(r.getMessage() for r in caplog.records if r.levelno >= logging.INFO)
    assert "could not take a lead" in logged
    assert not [word for word in PERSONAL if word in logged], logged

    with FakeClinicWebhook() as webhook:
        monkeypatch.setenv("CLINIC_WEBHOOK_URL", webhook.url)
        assert lead_store.deliver_pending() == 2  # the earlier lead and the spooled one
        assert [r["contact"] for r in webhook.received] == ["earlier@example.com", "jane@example.com"]
        assert webhook.received[1]["name"] == "Jane Doe" and webhook.received[1]["preferred_city"] == "Austin"
    assert lead_spool.waiting() == []
    assert contacts_in(path) == ["earlier@example.com", "jane@example.com"]


def test_a_spooled_lead_is_imported_once_even_if_a_run_died_before_deleting_its_file(domain, monkeypatch, tmp_path):
    with locked_leads_db(monkeypatch, tmp_path) as path:
        submit(domain)
    [spooled] = lead_spool.waiting()
    copy = tmp_path / "copy.json"
    shutil.copy(spooled, copy)
    assert lead_store.import_spooled() == 1
    # The run "died" after its insert: the file is back, and imported again.
    shutil.copy(copy, spooled)
    assert lead_store.import_spooled() == 0
    assert lead_spool.waiting() == []
    assert contacts_in(path) == ["earlier@example.com", "jane@example.com"]


def test_an_alert_waits_in_the_spool_too_and_goes_first(domain, monkeypatch, tmp_path):
    with locked_leads_db(monkeypatch, tmp_path):
        ActionAlertClinic().run(CollectingDispatcher(), _emergency_after_treatment_tracker(), domain)
        background_runs_done()
        assert [p.name.split("-")[0] for p in lead_spool.waiting()] == ["alert"]
    with FakeClinicWebhook() as webhook:
        monkeypatch.setenv("CLINIC_WEBHOOK_URL", webhook.url)
        lead_store.deliver_pending()
        assert [r["type"] for r in webhook.received] == ["post_treatment_emergency", "lead"]
        assert webhook.received[0]["conversation_id"] == "visitor-7"


def test_retry_leads_fails_loudly_while_the_spool_cannot_be_emptied(domain, monkeypatch, tmp_path, capsys):
    with locked_leads_db(monkeypatch, tmp_path):
        submit(domain)
        assert lead_store.main(["lead_store", "retry"]) == 1
        out = capsys.readouterr().out
        assert "the lead database is unavailable (OperationalError: database is locked)" in out
        assert f"1 alerts and leads wait in {lead_spool.folder()}" in out
    # No webhook set: the lead database is the clinic's record, and now has it.
    assert lead_store.main(["lead_store", "retry"]) == 0
    assert "1 alerts and leads moved from" in capsys.readouterr().out


def test_an_unreadable_spool_file_is_kept_and_retry_leads_says_so(monkeypatch, capsys):
    spool = Path(os.environ["LEADS_SPOOL_DIR"])
    spool.mkdir(mode=0o700)
    (spool / "lead-0123.json").write_text("{not json")
    assert lead_store.main(["lead_store", "retry"]) == 1
    assert "1 files in" in capsys.readouterr().out
    assert (spool / "lead-0123.json").exists()


def test_with_neither_the_database_nor_the_spool_the_visitor_is_told_and_the_details_stay(
    domain, monkeypatch, tmp_path, caplog
):
    not_a_folder = tmp_path / "spool-is-a-file"
    not_a_folder.write_text("")
    monkeypatch.setenv("LEADS_SPOOL_DIR", str(not_a_folder))
    with locked_leads_db(monkeypatch, tmp_path):
        texts, events = submit(domain)
    assert texts == [
        "Sorry, I couldn't save your request just now. Please try again in a moment, "
        "or call the clinic at +1 555-010-0199 to arrange your call back."
    ]
    assert events == []  # the slots keep the request: trying again sends it
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "Could not keep a call-back request" in logged
    assert not [word for word in PERSONAL if word in logged], logged
