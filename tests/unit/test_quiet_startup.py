"""The startup log loses the noise a newcomer finds alarming, and nothing else."""

import logging

from telemetry.serving import _no_lifespan_warning


def _record(message: str, level: int = logging.WARNING) -> logging.LogRecord:
    return logging.LogRecord("hypercorn.error", level, __file__, 1, message, None, None)


def test_hypercorns_lifespan_warning_is_dropped() -> None:
    noise = "ASGI Framework Lifespan error, continuing without Lifespan support"
    assert _no_lifespan_warning(_record(noise)) is False


def test_other_hypercorn_lines_stay() -> None:
    for line in ("Running on http://127.0.0.1:9080 (CTRL + C to quit)", "Error in ASGI app"):
        assert _no_lifespan_warning(_record(line)) is True
