import datetime

import pytest

from bot.parsing import AnswerError
from bot.parsing.dates import parse_birth_date

TODAY = datetime.date(2026, 11, 22)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("17.04.2001", "2001-04-17"),
        ("17/4/2001", "2001-04-17"),
        ("2001-04-17", "2001-04-17"),
        ("17-4-01", "2001-04-17"),
        ("17.04.99", "1999-04-17"),
        ("17 April 2001", "2001-04-17"),
        ("I was born on 3 March 1999", "1999-03-03"),
        ("April 2001", "2001-04"),
        ("04/2001", "2001-04"),
        ("2001", "2001"),
        ("١٧.٠٤.٢٠٠١", "2001-04-17"),  # Arabic-Indic digits
        ("۱۷/۴/۲۰۰۱", "2001-04-17"),  # Persian digits
        ("17 апреля 2001", "2001-04-17"),  # Russian genitive month
        ("5 mars 1999", "1999-03-05"),
        ("29.02.2004", "2004-02-29"),
        ("متولد ۱۳۷۸", "1999"),  # a Solar Hijri year
    ],
)
def test_dates_people_write(text: str, expected: str) -> None:
    assert parse_birth_date(text, TODAY).record_value(TODAY) == expected


def test_an_age_instead_of_a_date_keeps_the_stated_age() -> None:
    answer = parse_birth_date("I am 23 years old", TODAY)
    assert answer.stated_age == 23
    assert answer.date is None
    assert answer.record_value(TODAY) == "2002"


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("abc", "date_unparsed"),
        ("", "date_unparsed"),
        ("01.01.2090", "date_in_future"),
        ("23.11.2026", "date_in_future"),
        ("130", "age_implausible"),
        ("01.01.1850", "age_implausible"),
        ("31.02.2001", "date_invalid"),
        ("29.02.2001", "date_invalid"),
        ("0", "date_unparsed"),
    ],
)
def test_unusable_dates_name_their_problem(text: str, code: str) -> None:
    with pytest.raises(AnswerError) as error:
        parse_birth_date(text, TODAY)
    assert error.value.code == code


def test_today_is_not_in_the_future() -> None:
    assert parse_birth_date("22.11.2026", TODAY).record_value(TODAY) == "2026-11-22"
