"""`make backup` and `make restore`: a conversation half-way through the
call-back form is backed up, the data is wiped, the backup restored, the
servers restarted, and the same conversation goes on where it was; on SQLite
and on PostgreSQL."""

import sqlite3
import stat
import subprocess
import sys

import psycopg2
import pytest

from tests.scale_services import PostgresServer
from tests.servers import ROOT, Assistant


def run_make(target, env, *args):
    return subprocess.run(
        ["make", "--no-print-directory", target, *args],
        cwd=ROOT,
        env={**env, "PYTHON310": sys.executable},
        capture_output=True,
        text=True,
        timeout=300,
    )


def texts(reply):
    return [message.get("text", "") for message in reply]


def half_way_through_the_form(assistant, sender):
    """Name given, the form now waiting for the contact."""
    assistant.say(sender, "book an appointment")
    assistant.say(sender, "yes")
    assert "phone number or email" in texts(assistant.say(sender, "Ana Silva"))[0]


def a_stored_lead(assistant, sender, contact):
    for message in ["book an appointment", "yes", "Lee Wong", contact]:
        assistant.say(sender, message)
    assert texts(assistant.say(sender, "Denver"))[0].startswith("Thanks, Lee Wong!")


def the_form_goes_on(assistant, sender):
    # It still wants the contact, knows the name, and stores the lead.
    assert "city" in texts(assistant.say(sender, "ana@example.com"))[0]
    assert texts(assistant.say(sender, "Boston"))[0].startswith("Thanks, Ana Silva!")


def backup_folder(assistant):
    [folder] = [f for f in assistant.backups.iterdir() if "before-restore" not in f.name]
    return folder


def restore(assistant, folder):
    result = run_make("restore", assistant.env, f"FROM={folder.name}")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "restored: start the assistant again" in result.stdout
    return result


def test_sqlite_backup_restore_and_the_conversation_goes_on(tmp_path):
    assistant = Assistant(tmp_path)
    try:
        assistant.start(web=False)
        a_stored_lead(assistant, "backup-lee", "lee@example.com")
        half_way_through_the_form(assistant, "backup-ana")

        made = run_make("backup", assistant.env)  # while the assistant runs
        assert made.returncode == 0, made.stderr
        assert "backup written to" in made.stdout
        folder = backup_folder(assistant)
        assert stat.S_IMODE(assistant.backups.stat().st_mode) == 0o700
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700
        held = sorted(p.name for p in folder.iterdir())
        assert held == ["leads.db", "manifest.json", "tracker.db"]
        assert all(stat.S_IMODE((folder / name).stat().st_mode) == 0o600 for name in held)
        assert folder.name in run_make("backups", assistant.env).stdout

        # A restore under running servers is refused before it does anything.
        refused = run_make("restore", assistant.env, f"FROM={folder}")
        assert refused.returncode != 0 and "Stop the assistant first" in refused.stderr
        assert [f.name for f in assistant.backups.iterdir()] == [folder.name]

        assistant.stop()
        for path in tmp_path.glob("*.db*"):  # the disk is lost
            path.unlink()
        restore(assistant, folder)
        assert stat.S_IMODE(assistant.tracker_db.stat().st_mode) == 0o600
        assert stat.S_IMODE(assistant.leads_db.stat().st_mode) == 0o600

        assistant.start(web=False)
        the_form_goes_on(assistant, "backup-ana")
        with sqlite3.connect(assistant.leads_db) as db:
            contacts = [row[0] for row in db.execute("select contact from leads order by id")]
        assert contacts == ["lee@example.com", "ana@example.com"]
    finally:
        assistant.stop()


def test_a_restore_first_backs_up_the_data_it_replaces(tmp_path):
    assistant = Assistant(tmp_path)
    try:
        assistant.start(web=False)
        a_stored_lead(assistant, "before-lee", "before@example.com")
        assert run_make("backup", assistant.env).returncode == 0
        folder = backup_folder(assistant)
        a_stored_lead(assistant, "after-lee", "after@example.com")  # after the backup
        assistant.stop()

        restore(assistant, folder)
        with sqlite3.connect(assistant.leads_db) as db:
            assert [r[0] for r in db.execute("select contact from leads")] == ["before@example.com"]
        # What the restore replaced is in its own backup, and can be put back.
        [before] = [f for f in assistant.backups.iterdir() if f.name.endswith("-before-restore")]
        restore(assistant, before)
        with sqlite3.connect(assistant.leads_db) as db:
            assert [r[0] for r in db.execute("select contact from leads order by id")] == [
                "before@example.com",
                "after@example.com",
            ]
    finally:
        assistant.stop()


def test_restore_of_something_that_is_not_a_backup_is_refused(tmp_path):
    env = Assistant(tmp_path).env
    (tmp_path / "not-a-backup").mkdir()
    result = run_make("restore", env, f"FROM={tmp_path / 'not-a-backup'}")
    assert result.returncode != 0
    assert "is not a backup made by `make backup`" in result.stderr
    assert run_make("restore", env).stdout.startswith("usage: make restore FROM=")


@pytest.fixture
def postgres():
    server = PostgresServer().start()
    subprocess.run(
        [
            "psql",
            "-h",
            "127.0.0.1",
            "-p",
            str(server.port),
            "-U",
            "clinic",
            "-d",
            "postgres",
            "-c",
            "CREATE DATABASE clinic_leads",
        ],
        check=True,
        capture_output=True,
    )
    yield server
    server.stop()


def recreate_databases(server):
    for name in ("clinic", "clinic_leads"):
        subprocess.run(
            [
                "psql",
                "-h",
                "127.0.0.1",
                "-p",
                str(server.port),
                "-U",
                "clinic",
                "-d",
                "postgres",
                "-c",
                f"DROP DATABASE {name}",
                "-c",
                f"CREATE DATABASE {name}",
            ],
            check=True,
            capture_output=True,
        )


def test_postgresql_backup_restore_and_the_conversation_goes_on(tmp_path, postgres):
    # A password in the URL, as production has: it must never be printed.
    base = f"postgresql://clinic:s3cret-pw@127.0.0.1:{postgres.port}"
    assistant = Assistant(tmp_path, {"TRACKER_DB_URL": f"{base}/clinic", "LEADS_DB_URL": f"{base}/clinic_leads"})
    try:
        assistant.start(web=False)
        a_stored_lead(assistant, "pg-lee", "lee@example.com")
        half_way_through_the_form(assistant, "pg-ana")

        made = run_make("backup", assistant.env)
        assert made.returncode == 0, made.stderr
        folder = backup_folder(assistant)
        assert sorted(p.name for p in folder.iterdir()) == ["leads.pgdump", "manifest.json", "tracker.pgdump"]
        assert all(stat.S_IMODE(p.stat().st_mode) == 0o600 for p in folder.iterdir())

        assistant.stop()
        recreate_databases(postgres)  # the database server is lost
        done = restore(assistant, folder)
        assert "s3cret-pw" not in done.stdout + done.stderr + made.stdout + made.stderr

        assistant.start(web=False)
        the_form_goes_on(assistant, "pg-ana")
        with psycopg2.connect(f"{base}/clinic_leads") as db, db.cursor() as cursor:
            cursor.execute("SELECT contact FROM leads ORDER BY id")
            assert [row[0] for row in cursor.fetchall()] == ["lee@example.com", "ana@example.com"]
    finally:
        assistant.stop()
