"""The README's example is examples/weather.py, letter for letter (the integration tests run it)."""

import re
from pathlib import Path

LIBRARY = Path(__file__).resolve().parents[2]


def test_the_readme_shows_the_example_file() -> None:
    readme = (LIBRARY / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```\n", readme, flags=re.DOTALL)
    assert blocks, "the README has no Python example"
    assert blocks[0] == (LIBRARY / "examples" / "weather.py").read_text(encoding="utf-8")
