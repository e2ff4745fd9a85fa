"""The README examples' convention (tests/support/readme.py), on made-up README text."""

from tests.support.readme import Matcher, examples

TEXT = """
Some prose with `uv run client "not in a block"`.

```sh
uv run client "send the invoice for AB4568 Lovelace"   # a remark, not checked
# [invoice] Invoice INV-AB4568-1F0C2A9B was sent
#   to ada@example.com.
uv run client pay INV-AB4568-1F0C2A9B
# error: Invoice INV-AB4568-1F0C2A9B was already paid.
uv run client history     # no answer shown
                          # an indented remark ends nothing and starts nothing
# not an answer: the line above ended the example
```

```sh
uv run client cancel
# Cancelling the running turn of session ...
```
"""


def test_examples_are_the_client_lines_of_code_blocks_with_the_answers_below_them() -> None:
    found = examples(TEXT)
    assert [(e.line, e.args) for e in found] == [
        (5, ["send the invoice for AB4568 Lovelace"]),
        (8, ["pay", "INV-AB4568-1F0C2A9B"]),
        (10, ["history"]),
        (16, ["cancel"]),
    ]
    invoice, pay, history, cancel = found
    assert invoice.answer == "[invoice] Invoice INV-AB4568-1F0C2A9B was sent to ada@example.com."
    assert (invoice.fails, pay.fails) == (False, True)
    assert history.shown == []
    assert "two terminals" in cancel.skip and not invoice.skip


def test_an_id_shown_once_means_the_real_id_in_later_commands_and_answers() -> None:
    matcher = Matcher()
    shown = "[invoice] Invoice INV-AB4568-1F0C2A9B was sent at 2026-11-27 11:00:00 UTC."
    assert matcher.matches(
        shown, "[invoice] Invoice INV-AB4568-77AA00FF was sent\n at 2027-01-02 03:04:05 UTC.\n"
    )
    assert matcher.command(["pay", "INV-AB4568-1F0C2A9B"]) == ["pay", "INV-AB4568-77AA00FF"]
    assert matcher.matches("paid INV-AB4568-1F0C2A9B", "paid INV-AB4568-77AA00FF")
    assert not matcher.matches("paid INV-AB4568-1F0C2A9B", "paid INV-AB4568-00000000")


def test_elisions_and_values_of_a_kind_match_but_other_text_does_not() -> None:
    matcher = Matcher()
    shown = "APR-4E115C9C  booking 5666 ... waiting 9s, again APR-4E115C9C"
    assert matcher.matches(
        shown, "APR-0000AAAA booking 5666 flight F 10B -> 2A waiting 3h 05m, again APR-0000AAAA"
    )
    assert matcher.matches(
        shown, "APR-0000AAAA booking 5666 flight F waiting 12m, again APR-0000AAAA"
    )
    assert not Matcher().matches(shown, "APR-0000AAAA booking 5666 waiting 1s, again APR-1111BBBB")
    assert not Matcher().matches("Seat changed from 5B to 10B.", "Seat changed from 2A to 10B.")
    assert Matcher().matches(
        "session: s-7eac3a22cd2350ee8fccd37f7828ad10", "session: s-" + "0" * 32
    )
    assert not Matcher().matches("INV-AB4568-1F0C2A9B", "INV-XY7890-1F0C2A9B")


def test_an_elision_may_stand_for_nothing() -> None:
    shown = "you: hello? ... agent: hi. ..."
    assert Matcher().matches(shown, "you: hello?\nagent: hi.")
    assert Matcher().matches(shown, "you: hello?\n  (reasoning)\nagent: hi.\nyou: more")
    assert Matcher().matches("... agent: hi.", "agent: hi.")
    assert not Matcher().matches(shown, "you: hello?agent: hi.")
