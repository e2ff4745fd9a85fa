"""Serve the invoicing deployment with hypercorn: `python -m invoicing`."""

from telemetry import serve

from . import config
from .app import app


def main() -> None:
    """Run until interrupted."""
    serve(
        app,
        config.HOST,
        config.PORT,
        "invoicing",
        metrics_port=config.METRICS_PORT,
        workers=config.WORKERS,
        app_path="invoicing.app:app",
    )


if __name__ == "__main__":
    main()
