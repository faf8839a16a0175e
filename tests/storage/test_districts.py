"""The curated districts: a district however it is written -> its one name and key, and the district an
address names, never a street named after one."""

from __future__ import annotations

from storage.reference import districts

MOSCOW, PETERSBURG, ASTANA = 524901, 498817, 1526273


def test_a_district_however_written_is_one_name_and_one_key() -> None:
    for text in (
        "ЦАО",
        "Центральный",
        "центральный район",
        "Central district",
        "Центральный административный округ",
    ):
        assert districts.canonical(MOSCOW, text) == "Центральный", text
        assert districts.match_key(MOSCOW, text) == "центральный", text
    assert districts.canonical(None, "ЦАО") is None
    # Not listed: compared by its own words, "район" aside.
    assert districts.canonical(MOSCOW, "Хамовники") is None
    assert (
        districts.match_key(MOSCOW, "р-н Хамовники") == districts.match_key(None, "Хамовники") == "хамовники"
    )


def test_the_district_an_address_names() -> None:
    assert districts.in_address(MOSCOW, "г. Москва, ЮЗАО, ул. Профсоюзная, 1") == "Юго-Западный"
    assert districts.in_address(PETERSBURG, "Санкт-Петербург, Московский р-н, пр. Победы, 5") == "Московский"
    assert districts.in_address(PETERSBURG, "Санкт-Петербург, Московский проспект, 5") is None
    assert districts.in_address(ASTANA, "Астана, район Алматы, ул. Кенесары, 40") == "Алматы"
    assert districts.in_address(None, "Москва, ЦАО") is None
