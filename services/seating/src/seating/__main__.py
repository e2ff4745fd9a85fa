"""Serve the seating deployment with hypercorn: `python -m seating`."""

from telemetry import serve_configured

from . import config
from .app import app


def main() -> None:
    """Run until interrupted."""
    serve_configured(app, "seating", config, app_path="seating.app:app")


if __name__ == "__main__":
    main()
