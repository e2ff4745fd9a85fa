"""Serve the seating deployment with hypercorn: `python -m seating`."""

from telemetry import serve

from . import config
from .app import app


def main() -> None:
    """Run until interrupted."""
    serve(
        app,
        config.HOST,
        config.PORT,
        "seating",
        metrics_port=config.METRICS_PORT,
        workers=config.WORKERS,
        app_path="seating.app:app",
    )


if __name__ == "__main__":
    main()
