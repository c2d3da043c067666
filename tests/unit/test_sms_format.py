from bot.server.channels.sms_format import (
    for_sms,
    is_gsm7,
    option_payloads,
    pack,
    plain_text,
    render,
    render_turn,
    segments,
)
from bot.server.channels.twilio_sms import sender_id_for


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
    assert all(is_gsm7(t) and len(t) <= 306 and segments(t) <= 2 for t in texts)
    assert all(t.endswith(".") for t in texts)
    assert " ".join(texts).replace("\n\n", " ").split() == ("Hi. There. " + long).split()


def test_a_single_huge_word_is_still_cut_to_size():
    assert all(segments(t) <= 2 for t in pack(["x" * 1000]))


def test_sender_ids_are_keyed_hashes_of_the_number():
    a = sender_id_for("+12125550142", "key-1")
    assert a == sender_id_for("+12125550142", "key-1")
    assert a != sender_id_for("+12125550142", "key-2")
    assert "2125550142" not in a and a.startswith("sms-")


def test_segments_are_counted_as_carriers_bill_them():
    assert segments("a" * 160) == 1 and segments("a" * 161) == 2
    assert segments("a" * 306) == 2 and segments("a" * 307) == 3
    assert segments("{" * 80) == 1 and segments("{" * 81) == 2  # two septets each
    assert segments("á" * 70) == 1 and segments("á" * 71) == 2 and segments("á" * 201) == 3


def test_an_echoed_name_does_not_turn_an_english_reply_into_ucs2():
    message = {"text": "Thanks, Siobhán O’Brien! We’ll call you at the number you gave — soon…"}
    text = render(message)
    assert text == "Thanks, Siobhan O'Brien! We'll call you at the number you gave - soon..."
    assert is_gsm7(text) and segments(text) == 1


def test_spanish_replies_keep_their_accents_within_three_segments():
    spanish = (
        "Si tiene dificultad para respirar, dolor en el pecho o sangrado que no se detiene, "
        "llame al 911 o vaya a la sala de emergencias más cercana ahora mismo. "
    ) * 4
    assert for_sms(spanish) == spanish
    texts = pack([spanish])
    assert len(texts) > 1 and all("más" in t for t in texts)
    assert all(not is_gsm7(t) and segments(t) <= 3 for t in texts)


def test_long_english_replies_pack_into_two_segments_each():
    answer = "Stem cell therapy uses your own cells to support hair growth. " * 12
    texts = pack([answer, "Anything else?"])
    assert len(texts) >= 3 and all(segments(t) <= 2 for t in texts)


def test_only_the_last_message_of_a_turn_keeps_numbered_options():
    menu = {"text": "Anything else?", "buttons": [{"title": "Cost", "payload": "/ask_cost"}]}
    question = {"text": "What name should we use?"}
    texts = render_turn([menu, question])
    assert texts == ["Anything else?", "What name should we use?"]
    assert "1. Cost" in render_turn([question, menu])[-1]
