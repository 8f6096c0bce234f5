from __future__ import annotations

from catalog.comparison import SpecValue, compare, meets_or_beats


def number(value, better="higher"):
    return SpecValue(value_type="number", better=better, value=value)


def span(low, high):
    return SpecValue(value_type="range", better="wider", value_min=low, value_max=high)


def test_higher_is_better_numbers():
    assert meets_or_beats(number(40), number(60)) is True
    assert meets_or_beats(number(40), number(40)) is True
    assert meets_or_beats(number(40), number(39.9)) is False


def test_lower_is_better_numbers():
    assert meets_or_beats(number(1.0, "lower"), number(0.5, "lower")) is True
    assert meets_or_beats(number(1.0, "lower"), number(2.0, "lower")) is False


def test_wider_range_must_cover_the_reference():
    assert meets_or_beats(span(190, 800), span(185, 900)) is True
    assert meets_or_beats(span(190, 800), span(200, 900)) is False


def test_missing_candidate_value_fails_and_directionless_parameters_do_not_count():
    assert meets_or_beats(number(40), None) is False
    assert meets_or_beats(SpecValue(value_type="choice", better="none"), None) is None


def test_boolean_feature_must_be_present_when_the_reference_has_it():
    has = SpecValue(value_type="boolean", better="higher", value_bool=True)
    lacks = SpecValue(value_type="boolean", better="higher", value_bool=False)
    assert meets_or_beats(has, lacks) is False
    assert meets_or_beats(has, has) is True
    assert meets_or_beats(lacks, lacks) is None


def test_compare_reports_failed_keys_and_needs_one_compared_parameter():
    reference = {"pressure": number(100), "flow": span(0.001, 10)}
    candidate = {"pressure": number(120), "flow": span(0.01, 10)}
    outcome = compare(reference, candidate)
    assert outcome.compared == 2 and outcome.failed_keys == ("flow",)
    assert not outcome.is_alternative
    assert compare({"pressure": number(100)}, {"pressure": number(100)}).is_alternative
    assert not compare({}, {}).is_alternative


def test_best_marks_follow_the_better_direction_and_skip_ties():
    from catalog.comparison import best_marks

    assert best_marks([number(40), number(60), None]) == [False, True, False]
    assert best_marks([number(1.0, "lower"), number(0.5, "lower")]) == [False, True]
    assert best_marks([number(40), number(40)]) == [False, False]
    assert best_marks([number(40), None]) == [False, False]
    assert best_marks([span(190, 800), span(185, 1000), span(200, 1000)]) == [False, True, False]
    choice = SpecValue(value_type="choice", better="none")
    assert best_marks([choice, choice]) == [False, False]
    has = SpecValue(value_type="boolean", better="higher", value_bool=True)
    lacks = SpecValue(value_type="boolean", better="higher", value_bool=False)
    assert best_marks([lacks, has]) == [False, True]
