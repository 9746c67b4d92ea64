"""The NLG endpoint's rendering: Rasa's request in, the message in the person's language out."""
from actions.server import render_nlg_request
from bot.rasa_client import rest_replies


def nlg_request(response: str, slots: dict, language_code: str | None = "en", **arguments: object) -> dict:
    return {"response": response, "arguments": arguments, "channel": {"name": "collector"},
            "tracker": {"slots": slots, "latest_message": {"metadata": {"language_code": language_code}}}}


def test_the_chosen_language_wins_over_the_client_language() -> None:
    message = render_nlg_request(nlg_request("utter_question_again", {"language": "de"}, language_code="en"))
    assert message["text"] == "Hier ist die Frage noch einmal."


def test_before_a_choice_the_client_language_is_used_if_supported() -> None:
    assert render_nlg_request(nlg_request("utter_greet_back", {"language": None}, "de-AT"))["text"] == "Hallo!"
    assert render_nlg_request(nlg_request("utter_greet_back", {"language": None}, "es"))["text"] == "Hello!"


def test_language_picker_names_every_language_in_itself() -> None:
    message = render_nlg_request(nlg_request("utter_ask_which_language", {"language": "de"}))
    titles = [b["title"] for b in message["buttons"]]
    assert len(titles) == 13
    assert {"Deutsch", "English", "العربية", "ትግርኛ", "Soomaali"} <= set(titles)
    assert all(b["payload"].startswith("/inform{") for b in message["buttons"])


def test_a_rendered_text_names_its_language_for_the_voice_that_reads_it() -> None:
    message = render_nlg_request(nlg_request("utter_question_again", {"language": "ar"}))
    assert message["custom"] == {"language": "ar"}


def test_the_gateway_reads_each_paragraphs_language_from_the_item_after_it() -> None:
    # Rasa's REST output: a text cut into paragraphs, then its custom part; a forget signal names none.
    replies = rest_replies([{"text": "Hallo"}, {"text": "Wie heißt du?", "buttons": [{"title": "?", "payload": "/x"}]},
                        {"custom": {"language": "de"}}, {"text": "مرحبا"}, {"custom": {"language": "ar"}},
                        {"text": "no language"}, {"custom": {"forget_conversation": True}}])
    assert [(r.text, r.language) for r in replies] == [("Hallo", "de"), ("Wie heißt du?", "de"), ("مرحبا", "ar"),
                                                       ("no language", None)]
