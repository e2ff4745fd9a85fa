"""The package's names load on first use: the replay-safe helpers do not pull in the Agents SDK."""

import subprocess
import sys

import durable_agents


def test_every_export_resolves_to_its_module() -> None:
    for name in durable_agents.__all__:
        assert getattr(durable_agents, name) is not None
    assert set(durable_agents.__all__) == set(durable_agents._EXPORTS)
    assert set(durable_agents.__all__) <= set(dir(durable_agents))


def test_unknown_name_is_an_attribute_error() -> None:
    try:
        durable_agents.no_such_name  # noqa: B018
    except AttributeError as error:
        assert "no_such_name" in str(error)
    else:
        raise AssertionError("no AttributeError")


def test_replay_helpers_import_without_the_agents_sdk() -> None:
    # A fresh interpreter: this one has imported everything already.
    script = (
        "import sys\n"
        "from durable_agents import once, replaying, span, start_span\n"
        # Seating builds its ApprovalDesk with these: they stay as light.
        "from durable_agents import answer_or_timeout, desk, settle\n"
        "loaded = {m.split('.')[0] for m in sys.modules}\n"
        "print(sorted(loaded & {'agents', 'openai', 'mcp'}))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == "[]"
