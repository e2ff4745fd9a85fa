"""Serve the airline_agent deployment with hypercorn: `python -m airline_agent`."""

from telemetry import serve

from . import config
from .app import app


def main() -> None:
    """Run until interrupted."""
    serve(
        app,
        config.HOST,
        config.PORT,
        "agent",
        metrics_port=config.METRICS_PORT,
        workers=config.WORKERS,
        app_path="airline_agent.app:app",
    )


if __name__ == "__main__":
    main()
