"""clinic_common/log_privacy.py on real logging handlers: what reaches INFO and above,
and what only debug logging, switched on by hand, shows."""

import io
import logging

import pytest
from sqlalchemy import create_engine, text

from clinic_common import log_privacy


@pytest.fixture
def log():
    """A logger writing to a string, with the privacy rules installed."""
    original = logging.getLogRecordFactory()
    log_privacy.install()
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
    logger = logging.getLogger("tests.log_privacy")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False
    yield logger, stream
    logger.removeHandler(handler)
    logging.setLogRecordFactory(original)


# A visitor's details arrive as data, never in the source lines a traceback
# quotes: kept apart from the failing call, as in the real code.
LEAD = {"name": "Ann Lee", "contact": "+12125550142"}


def failing_insert():
    engine = create_engine("sqlite://")
    with engine.begin() as db:
        db.execute(text("CREATE TABLE leads (name TEXT, contact TEXT UNIQUE)"))
        db.execute(text("INSERT INTO leads VALUES (:name, :contact)"), LEAD)
        db.execute(text("INSERT INTO leads VALUES (:name, :contact)"), LEAD)


def test_an_exception_keeps_its_kind_and_frames_not_its_values(log):
    logger, stream = log
    try:
        failing_insert()
    except Exception:
        logger.exception("Could not store a lead")
    output = stream.getvalue()
    assert output.startswith("ERROR Could not store a lead\nTraceback (most recent call last):")
    assert "in failing_insert" in output
    assert "sqlalchemy.exc.IntegrityError: (withheld" in output
    assert "Ann Lee" not in output and "2125550142" not in output


def test_machine_errors_keep_their_text_cut_of_bodies_and_parameters(log):
    logger, stream = log
    try:
        raise ConnectionRefusedError(111, "Connect call failed ('127.0.0.1', 5055)")
    except OSError:
        logger.exception("Action server down")
    logger.warning(
        "Failed to execute custom action 'validate_lead_form' as a result of error "
        '\'500, Internal Server Error, body=\'{"tracker": {"text": "Ann Lee"}}\'\'.'
    )
    logger.error(
        "Please investigate the following error: (sqlite3.IntegrityError) UNIQUE\n"
        "[SQL: INSERT INTO leads VALUES (?, ?)]\n[parameters: ('Ann Lee', '+12125550142')]"
    )
    output = stream.getvalue()
    assert "ConnectionRefusedError: [Errno 111] Connect call failed ('127.0.0.1', 5055)" in output
    assert "body=(withheld" in output and "[parameters: (withheld" in output
    assert "[SQL: INSERT INTO leads VALUES (?, ?)]" in output
    assert "Ann Lee" not in output and "2125550142" not in output


def test_debug_logging_switched_on_shows_what_was_withheld_at_debug_only(log):
    logger, stream = log
    logger.setLevel(logging.DEBUG)
    try:
        failing_insert()
    except Exception:
        logger.exception("Could not store a lead")
    lines = stream.getvalue().split("\nERROR ")
    assert lines[0].startswith("DEBUG Debug logging is on: the next ERROR line in full")
    assert "Ann Lee" in lines[0]
    assert "Ann Lee" not in lines[1] and "(withheld" in lines[1]
