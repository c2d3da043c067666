"""The texter's number, sealed for the action server (clinic_common/sms_number.py)."""

from clinic_common import sms_number

KEY = "a-key-for-tests"
CONVERSATION = "sms-0123456789abcdef0123456789abcdef"


def test_a_sealed_number_opens_in_its_conversation_with_its_key():
    sealed = sms_number.seal("+12125550142", CONVERSATION, KEY)
    assert "2125550142" not in sealed and sms_number.is_sealed(sealed)
    assert sms_number.opened(sealed, CONVERSATION, KEY) == "+12125550142"


def test_it_opens_nowhere_else():
    sealed = sms_number.seal("+12125550142", CONVERSATION, KEY)
    assert sms_number.opened(sealed, "sms-another-conversation", KEY) is None
    assert sms_number.opened(sealed, CONVERSATION, "another-key") is None
    assert sms_number.opened(sealed, CONVERSATION, "") is None
    assert sms_number.opened(sealed[:-4], CONVERSATION, KEY) is None
    assert sms_number.opened("+12125550142", CONVERSATION, KEY) is None
    assert sms_number.opened(None, CONVERSATION, KEY) is None


def test_the_same_number_seals_differently_each_time():
    # Nothing in the store links two picks of the same number.
    assert sms_number.seal("+12125550142", CONVERSATION, KEY) != sms_number.seal("+12125550142", CONVERSATION, KEY)
