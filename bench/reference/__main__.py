"""Serve the reference design with hypercorn, as Restate's Python template does."""

import asyncio
import os

import hypercorn.asyncio
import hypercorn.config

from .app import application


def main() -> None:
    """Run until interrupted."""
    conf = hypercorn.config.Config()
    conf.bind = [f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ['PORT']}"]
    asyncio.run(hypercorn.asyncio.serve(application, conf))  # type: ignore[arg-type]


if __name__ == "__main__":
    main()
