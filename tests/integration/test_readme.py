"""The README cannot drift: every `uv run client ...` example runs, in order, and prints what
the README shows (the convention: tests/support/readme.py).

The examples run as one newcomer following the README top to bottom on a fresh `make up`: one
user (the client's own state dir, so one default session), the real client as a process, a
stack of its own (the shared one's seed bookings are other tests' too; the README's answers
start from seed.json). Each example is a test of its own, so a drifted answer names its line;
running one alone still runs the examples above it first, unchecked. Blocks a test stack
cannot run are skipped with the rule's reason (readme.SKIPS). Both test modes: under TEST_LLM
the strict endpoint answers as the offline model decides, so the replies are the same; the
reasoning items it adds show only in `history` (`(reasoning)` lines) and in the memory's item
count, which the README's answers elide (`...`).
"""

import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from devstack import Stack
from tests.conftest import own_stack
from tests.support.auth import SECRETS
from tests.support.readme import Example, Matcher, examples

EXAMPLES = examples()
CLIENT_TIMEOUT_S = 120


@dataclass
class Ran:
    """What one example's command did."""

    args: list[str]
    code: int
    stdout: str
    stderr: str


class Reader:
    """Runs the README's examples in order as one user, each at most once."""

    def __init__(self, stack: Stack, home: Path) -> None:
        self.stack = stack
        self.home = home
        self.matcher = Matcher()
        self.ran: dict[int, Ran] = {}
        self.matched: dict[int, bool] = {}
        home.mkdir(parents=True, exist_ok=True)

    def env(self) -> dict[str, str]:
        """The client's environment: this stack, this user's state, the stack's secrets."""
        env = {k: v for k, v in os.environ.items() if not k.startswith(("RESTATE_", "CLIENT_"))}
        env.pop("SUPERVISOR_TOKEN", None)
        env.pop("PAYMENT_WEBHOOK_SECRET", None)
        env["RESTATE_INGRESS_URL"] = self.stack.ingress_url
        env["XDG_STATE_HOME"] = str(self.home / "state")
        env["AIRLINE_SECRETS_DIR"] = str(SECRETS.directory)
        return env

    def run_through(self, index: int) -> None:
        """Runs every example up to index that has not run yet, in the README's order."""
        for i, example in enumerate(EXAMPLES[: index + 1]):
            if i in self.ran or example.skip:
                continue
            args = self.matcher.command(example.args)
            done = subprocess.run(
                [sys.executable, "-m", "airline_client", *args],
                cwd=self.home,
                env=self.env(),
                capture_output=True,
                text=True,
                timeout=CLIENT_TIMEOUT_S,
            )
            self.ran[i] = Ran(args, done.returncode, done.stdout, done.stderr)
            # Matched at once, so the ids it shows are bound for the examples after it.
            output = done.stdout + done.stderr
            self.matched[i] = not example.shown or self.matcher.matches(example.answer, output)


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """A fresh stack: the seed bookings as seed.json has them."""
    yield from own_stack(tmp_path_factory, "readme")


@pytest.fixture(scope="module")
def reader(stack: Stack, tmp_path_factory: pytest.TempPathFactory) -> Reader:
    """One user reading the README."""
    return Reader(stack, tmp_path_factory.mktemp("readme-user"))


def test_the_readme_has_client_examples_with_answers() -> None:
    """The parser finds the examples (a broken convention must not pass as 'nothing to run')."""
    shown = [e for e in EXAMPLES if e.shown and not e.skip]
    assert len(shown) >= 15, [e.label() for e in EXAMPLES]


@pytest.mark.parametrize("index", range(len(EXAMPLES)), ids=[e.label() for e in EXAMPLES])
def test_the_example_prints_what_the_readme_shows(reader: Reader, index: int) -> None:
    """README.md's example at this line, run after those above it, answers as shown."""
    example: Example = EXAMPLES[index]
    if example.skip:
        pytest.skip(f"README.md:{example.line}: {example.skip}")
    reader.run_through(index)
    ran = reader.ran[index]
    told = (
        f"README.md:{example.line}: client {' '.join(ran.args)}\n"
        f"exit status {ran.code}\nstdout:\n{ran.stdout}\nstderr:\n{ran.stderr}"
    )
    assert ran.code == (1 if example.fails else 0), told
    assert reader.matched[index], f"the README shows:\n{example.answer}\n\n{told}"
