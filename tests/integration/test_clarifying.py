"""Never a dead end, over REST against the running servers: the clarifying
question (Rasa's two-stage fallback, actions/clarify.py), two topics in one
message (bot/nlu/several_topics.py), and safety winning over both."""

from tests.integration.test_safety_channels import assert_emergency_reply

UNCLEAR = "qwzx blorp fnag"
PHONE, EMAIL = "+1 555-010-0199", "info@yourhairclinic.com"


def last(messages):
    return messages[-1]


def payloads(message):
    return [b["payload"] for b in message.get("buttons") or []]


def test_unclear_message_gets_topics_to_pick_from_and_a_way_out(assistant, sender):
    question = last(assistant.say(sender, UNCLEAR))
    assert question["text"].endswith("did you mean one of these?")
    options = payloads(question)
    assert len(options) == 3 and options[-1] == "/out_of_scope"
    assert all(p.startswith("/ask_") for p in options[:-1])
    assert [b["title"] for b in question["buttons"]][-1] == "Something else"


def test_picking_a_topic_answers_it(assistant, sender):
    assistant.say(sender, UNCLEAR)
    reply = assistant.say(sender, "/ask_cost")
    assert "$3,000 to $10,000" in reply[0]["text"]
    assert payloads(reply[-1]) == ["/affirm", "/deny"]  # the assessment offer


def test_something_else_gives_contacts_and_a_menu_then_never_a_dead_end(assistant, sender):
    assistant.say(sender, UNCLEAR)
    reply = last(assistant.say(sender, "/out_of_scope"))
    assert PHONE in reply["text"] and EMAIL in reply["text"]
    assert "/ask_cost" in payloads(reply) and "/ask_pain" in payloads(reply)
    # Still unclear: asked once more, then the assistant says what it can do.
    assert last(assistant.say(sender, "zzzz yyyy wwww"))["text"].endswith("did you mean one of these?")
    final = last(assistant.say(sender, "/out_of_scope"))
    assert PHONE in final["text"] and EMAIL in final["text"] and "cost" in final["text"]
    assert payloads(final)
    # And the conversation goes on.
    assert "$3,000 to $10,000" in assistant.say(sender, "how much is it")[0]["text"]


def test_a_follow_up_is_offered_the_last_topic(assistant, sender):
    assistant.say(sender, "is it covered by insurance?")
    question = last(assistant.say(sender, "qwzx and that one blorp?"))
    assert "/ask_insurance" in payloads(question)


def test_two_topics_in_one_message_get_both_answers(assistant, sender):
    reply = assistant.say(sender, "how much is it and does it hurt?")
    text = "\n".join(m.get("text", "") for m in reply)
    assert "$3,000 to $10,000" in text and "local anesthesia" in text
    assert "911" in text  # the pain answer's warning signs
    assert payloads(reply[-1]) == ["/affirm", "/deny"]


def test_an_emergency_while_asked_to_clarify_gets_the_emergency_reply(assistant, sender):
    assistant.say(sender, UNCLEAR)
    assert_emergency_reply(assistant.say(sender, "my chest hurts and i cant breathe"))


def test_two_topics_during_the_call_back_form_then_the_form_goes_on(assistant, sender):
    assistant.say(sender, "i want to book a consultation")
    assistant.say(sender, "yes")
    reply = assistant.say(sender, "what are the risks and how long is recovery?")
    text = "\n".join(m.get("text", "") for m in reply)
    assert "infection" in text and "next day" in text
    assert "name" in reply[-1]["text"]
