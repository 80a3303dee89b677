"""Shared decoding and retry rules."""

from __future__ import annotations

import pytest

from tui import backoff, jsonsafe


def test_deep_json_is_a_value_error_not_a_recursion_error():
    deep = "[" * 100_000 + "]" * 100_000
    with pytest.raises(ValueError):
        jsonsafe.loads(deep)
    with pytest.raises(ValueError):
        jsonsafe.loads(deep.encode())


def test_brackets_inside_strings_do_not_count_as_depth():
    text = '{"a": "' + "[" * 1000 + '\\"", "b": [1, {"c": 2}]}'
    assert jsonsafe.loads(text)["b"] == [1, {"c": 2}]


def test_ordinary_json_decodes_as_json_does():
    assert jsonsafe.loads(b'{"x": [1, 2, {"y": null}]}') == {"x": [1, 2, {"y": None}]}


def test_invalid_utf8_is_a_value_error():
    with pytest.raises(ValueError):
        jsonsafe.loads(b'"\xff"')


def test_backoff_doubles_up_to_the_ceiling_with_jitter_in_the_upper_half():
    assert backoff.delay(0, first=1, rand=lambda: 0.0) == 0.5
    assert backoff.delay(0, first=1, rand=lambda: 1.0) == 1.0
    assert backoff.delay(3, first=1, rand=lambda: 1.0) == 8.0
    assert backoff.delay(50, first=1, ceiling=60, rand=lambda: 0.0) == 30.0
