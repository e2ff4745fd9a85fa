"""Serve the airline_agent deployment with hypercorn: `python -m airline_agent`."""

from telemetry import serve_configured

from . import config
from .app import app


def main() -> None:
    """Run until interrupted."""
    serve_configured(app, "agent", config, app_path="airline_agent.app:app")


if __name__ == "__main__":
    main()
