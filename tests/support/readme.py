"""The README's `uv run client ...` examples and the answers it shows for them.

The convention (README.md says it where the examples start):

- An example is a line `uv run client ARGS` in a fenced code block; words after an unquoted
  `#` on that line are a remark for the reader, not checked.
- The lines right below it that start with `# ` (at the start of the line) are its answer: what
  the command prints, stdout then stderr. Whitespace is not compared (the README may wrap a long
  answer or align columns), and `...` stands for any text (an elided part).
- Ids, times and durations in a shown answer stand for any value of their kind: `APR-4E115C9C`
  matches any approval id, `9s` any age, `2026-11-27 11:00:00 UTC` any time. An id shown once
  is the same id everywhere after it: a later command (`client approve APR-4E115C9C`) or answer
  naming it means the id the stack really gave there.
- An answer starting with `error:` means the command fails (exit status 1); any other answer,
  or none, means it succeeds.
- A whole block is skipped when it matches one of SKIPS: it needs something a test stack does
  not have (two terminals and a slow model, Docker, a cluster). The test reports each skip.
"""

import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path

README = Path(__file__).parents[2] / "README.md"
COMMAND = "uv run client"

# Block text -> why its examples do not run here (and what covers them instead).
SKIPS: tuple[tuple[re.Pattern[str], str], ...] = (
    (
        re.compile(r"^uv run client cancel\b", re.MULTILINE),
        "needs a slow model (OFFLINE_MODEL_LATENCY_MS=3000) and two terminals at once; "
        "tests/integration/test_cancel.py cancels turns",
    ),
    (
        re.compile(r"\b(docker|make compose-up)\b"),
        "needs Docker and the compose stack; make test-compose runs the README's conversations "
        "in containers (tests/compose/test_stack.py)",
    ),
    (
        re.compile(r"^export RESTATE_INGRESS_URL=.*,", re.MULTILINE),
        "needs make up-cluster's three nodes; tests/cluster/test_node_loss.py fails over",
    ),
    (
        re.compile(r"^(export )?OPENAI_API_KEY=", re.MULTILINE),
        "needs an OpenAI API key; no test calls the real API",
    ),
)

# Values that stand for any value of their kind; ids are also bound (see Matcher).
ID = re.compile(r"\b(?:INV-[0-9A-Z]+-[0-9A-F]{8}|APR-[0-9A-F]{8}|ESC-[0-9A-F]{8})\b")
KINDS: tuple[tuple[str, str], ...] = (
    ("session", r"\bs-[0-9a-f]{32}\b"),
    ("invocation", r"\binv_[0-9A-Za-z]{20,}\b"),
    ("token", r"\beyJ[\w-]+\.[\w-]+\.[\w-]+"),
    ("time", r"\b\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?: ?UTC|Z)?"),
    ("hex", r"\b[0-9a-f]{32}\b"),
    ("duration", r"\b\d+(?:\.\d+)?(?:ms|s|m|h|d)(?: \d+(?:ms|s|m|h|d))*\b"),  # 9s, 3h 05m
)
ANY_VALUE = re.compile("|".join(f"(?P<{name}>{pattern})" for name, pattern in KINDS))
ELIDED = re.compile(r" ?\.\.\. ?")  # with the spaces around it: an elision may be empty


def _elided(shown: str) -> str:
    """Any text in place of `...`; ` ... ` is one space when nothing was left out."""
    if shown == " ... ":
        return "(?: .*? | )"
    return {" ...": "(?: .*?)?", "... ": "(?:.*? )?"}.get(shown, ".*?")


@dataclass
class Example:
    """One `uv run client` line, the answer shown below it, and why it may not run."""

    line: int  # 1-based line of the command in README.md
    args: list[str]  # what follows `uv run client`, split as a shell would
    shown: list[str] = field(default_factory=list)  # the answer lines, without "# "
    skip: str = ""  # the reason, when its block cannot run here

    @property
    def answer(self) -> str:
        """The shown answer, whitespace collapsed."""
        return " ".join(" ".join(self.shown).split())

    @property
    def fails(self) -> bool:
        """The README shows this command failing (its answer is an error)."""
        return self.answer.startswith("error:")

    def label(self) -> str:
        """`L214 pay INV-AB4568-1F0C2A9B`, for test ids and messages."""
        return f"L{self.line} " + shlex.join(self.args)[:60]


def blocks(text: str) -> list[tuple[int, list[str]]]:
    """The fenced code blocks: (line number of the first line inside, its lines)."""
    found: list[tuple[int, list[str]]] = []
    inside: list[str] | None = None
    start = 0
    for number, line in enumerate(text.splitlines(), 1):
        if line.lstrip().startswith("```"):
            if inside is None:
                inside, start = [], number + 1
            else:
                found.append((start, inside))
                inside = None
        elif inside is not None:
            inside.append(line)
    return found


def _skip(block: list[str]) -> str:
    text = "\n".join(block)
    return next((reason for pattern, reason in SKIPS if pattern.search(text)), "")


def examples(text: str | None = None) -> list[Example]:
    """Every `uv run client` example of the README (or of text), in order."""
    found: list[Example] = []
    for start, block in blocks(README.read_text(encoding="utf-8") if text is None else text):
        skip = _skip(block)
        current: Example | None = None
        for offset, line in enumerate(block):
            if line == COMMAND or line.startswith(COMMAND + " "):
                words = shlex.split(line, comments=True)[len(COMMAND.split()) :]
                current = Example(line=start + offset, args=words, skip=skip)
                found.append(current)
            elif current is not None and (line == "#" or line.startswith("# ")):
                current.shown.append(line[2:])
            else:
                current = None
    return found


class Matcher:
    """Compares real output with shown answers, binding each shown id to the real one."""

    def __init__(self) -> None:
        self.ids: dict[str, str] = {}  # shown id -> the id the stack gave

    def command(self, args: list[str]) -> list[str]:
        """The example's arguments with every id already shown replaced by the real one."""
        return [ID.sub(lambda m: self.ids.get(m.group(0), m.group(0)), arg) for arg in args]

    def pattern(self, answer: str) -> tuple[re.Pattern[str], dict[str, str]]:
        """A regex of the shown answer, and its capture groups' names -> the ids they bind."""
        parts: list[str] = []
        groups: dict[str, str] = {}
        token = re.compile(rf"{ELIDED.pattern}|{ID.pattern}|{ANY_VALUE.pattern}")
        position = 0
        for match in token.finditer(answer):
            parts.append(re.escape(answer[position : match.start()]))
            position = match.end()
            value = match.group(0)
            if ELIDED.fullmatch(value):
                parts.append(_elided(value))
            elif ID.fullmatch(value):
                parts.append(self._id(value, groups))
            else:
                kind = next(name for name, pattern in KINDS if re.fullmatch(pattern, value))
                parts.append(f"(?:{dict(KINDS)[kind]})")
        parts.append(re.escape(answer[position:]))
        return re.compile("".join(parts), re.DOTALL), groups

    def _id(self, shown: str, groups: dict[str, str]) -> str:
        if shown in self.ids:
            return re.escape(self.ids[shown])
        if shown in groups.values():  # twice in one answer: the same id both times
            name = next(n for n, s in groups.items() if s == shown)
            return f"(?P={name})"
        name = f"id{len(groups)}"
        groups[name] = shown
        kind = shown.rsplit("-", 1)[0]  # INV-AB4568 keeps its booking; APR, ESC
        return f"(?P<{name}>{re.escape(kind)}-[0-9A-F]{{8}})"

    def matches(self, answer: str, output: str) -> bool:
        """Whether output is the shown answer (whitespace collapsed); binds its ids if so."""
        pattern, groups = self.pattern(" ".join(answer.split()))
        found = pattern.fullmatch(" ".join(output.split()))
        if found is None:
            return False
        for name, shown in groups.items():
            self.ids[shown] = found.group(name)
        return True
