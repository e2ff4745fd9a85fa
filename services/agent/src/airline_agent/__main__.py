"""Serve the airline_agent deployment with hypercorn: `python -m airline_agent`."""

import asyncio
import logging

import hypercorn.asyncio
import hypercorn.config

from . import config
from .app import app


def main() -> None:
    """Run until interrupted."""
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    conf = hypercorn.config.Config()
    conf.bind = [f"{config.HOST}:{config.PORT}"]
    asyncio.run(hypercorn.asyncio.serve(app, conf))  # type: ignore[arg-type]


if __name__ == "__main__":
    main()
