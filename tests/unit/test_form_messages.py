"""Every message WTForms can raise by itself has Sala's words (lms.forms.BUILT_IN_MESSAGES), and
every form in Sala takes its messages from there: no English from WTForms on a Khmer page."""

from __future__ import annotations

import re
from pathlib import Path

import wtforms
from babel.messages.pofile import read_po

from lms.forms import BUILT_IN_MESSAGES, BUILT_IN_PLURALS, Form, PlainForm

POT = Path(wtforms.__file__).parent / "locale" / "wtforms.pot"
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")
#: Raised only for a mistake in Sala's own code, never for what a person typed: a TypeError, or
#: EqualTo naming a field the form does not have.
NOT_FOR_USERS = {"Choices cannot be None.", "Invalid field name '%s'."}


def _wtforms_messages():
    with POT.open("rb") as fh:
        return [m for m in read_po(fh) if m.id]


def test_every_wtforms_message_has_sala_words():
    """The WTForms installed (its own catalogue template, wtforms.pot) raises nothing Sala has no words for."""
    missing = []
    for message in _wtforms_messages():
        singular = message.id[0] if isinstance(message.id, tuple) else message.id
        table = BUILT_IN_PLURALS if isinstance(message.id, tuple) else BUILT_IN_MESSAGES
        if singular not in table and singular not in NOT_FOR_USERS:
            missing.append(singular)
    assert missing == [], f"WTForms messages without Sala's words in lms.forms: {missing}"


def test_sala_words_are_sala_strings_with_only_placeholders_wtforms_fills():
    """Each is a gettext string of Sala's own (so a page shows it from Sala's catalogue), differs
    from WTForms' English, and names no placeholder WTForms does not fill in."""
    for english, ours in BUILT_IN_MESSAGES.items():
        assert not isinstance(ours, str) and str(ours) != english, english
        assert set(PLACEHOLDER.findall(str(ours))) <= set(PLACEHOLDER.findall(english)), english


def test_plural_messages_give_the_number_asked_for(app):
    """A plural message is Sala's, says the number, and needs no other placeholder."""
    with app.test_request_context():
        for english, ours in BUILT_IN_PLURALS.items():
            for n in (1, 2000):
                text = ours(n)
                assert "%(" not in text and text != english, (english, text)
        assert "2000" in BUILT_IN_PLURALS["Field cannot be longer than %(max)d character."](2000)


def _form_classes(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _form_classes(sub)


def test_every_form_in_sala_takes_the_messages_from_sala(app):
    """Every form class under lms/ (the app imports every page package) derives from lms.forms.Form or PlainForm."""
    ours = [c for c in _form_classes(wtforms.Form) if c.__module__.startswith("lms.")]
    assert len(ours) > 20
    strays = [f"{c.__module__}.{c.__qualname__}" for c in ours if not issubclass(c, (Form, PlainForm))]
    assert strays == [], f"forms that would show WTForms' English messages: {strays}"
