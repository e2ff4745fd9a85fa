"""Serve the invoicing deployment with hypercorn: `python -m invoicing`."""

from telemetry import serve_configured

from . import config
from .app import app


def main() -> None:
    """Run until interrupted."""
    serve_configured(app, "invoicing", config, app_path="invoicing.app:app")


if __name__ == "__main__":
    main()
