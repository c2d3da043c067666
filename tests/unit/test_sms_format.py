from bot.channels.sms_format import option_payloads, pack, plain_text, render
from bot.channels.twilio_sms import sender_id_for


def test_markdown_becomes_plain_text_and_urls_survive():
    text = "**Book** [here](https://x.example/?utm_source=a&utm_medium=b) *now*"
    assert plain_text(text) == "Book here: https://x.example/?utm_source=a&utm_medium=b now"


def test_buttons_become_numbered_options_and_links_are_written_out():
    message = {
        "text": "Book?",
        "buttons": [
            {"title": "Yes", "payload": "/affirm"},
            {"title": "No", "payload": "/deny"},
            {"title": "Open", "url": "https://x.example/b"},
        ],
    }
    assert render(message) == "Book?\nOpen: https://x.example/b\n1. Yes\n2. No\nReply with a number."
    assert option_payloads(message) == ["/affirm", "/deny"]


def test_short_messages_share_a_text_and_long_ones_split_at_sentences():
    long = " ".join(f"Sentence number {i} is here." for i in range(30))
    texts = pack(["Hi.", "There.", long])
    assert texts[0].startswith("Hi.\n\nThere.")
    assert all(len(t) <= 320 for t in texts)
    assert all(t.endswith(".") for t in texts)
    assert " ".join(texts).replace("\n\n", " ").split() == ("Hi. There. " + long).split()


def test_a_single_huge_word_is_still_cut_to_size():
    assert all(len(t) <= 320 for t in pack(["x" * 1000]))


def test_sender_ids_are_keyed_hashes_of_the_number():
    a = sender_id_for("+12125550142", "key-1")
    assert a == sender_id_for("+12125550142", "key-1")
    assert a != sender_id_for("+12125550142", "key-2")
    assert "2125550142" not in a and a.startswith("sms-")
