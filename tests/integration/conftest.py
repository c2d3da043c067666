import pytest

from tests.clinic_webhook import FakeClinicWebhook
from tests.servers import Assistant


@pytest.fixture(scope="session")
def clinic_webhook():
    with FakeClinicWebhook() as webhook:
        yield webhook


@pytest.fixture(scope="session")
def assistant(tmp_path_factory, clinic_webhook):
    running = Assistant(
        tmp_path_factory.mktemp("assistant"),
        {"CLINIC_WEBHOOK_URL": clinic_webhook.url, "CLINIC_WEBHOOK_TIMEOUT": "1"},
    )
    try:
        yield running.start()
    finally:
        running.stop()


@pytest.fixture
def sender(request):
    """A fresh conversation id per test."""
    return f"test-{request.node.name}"
