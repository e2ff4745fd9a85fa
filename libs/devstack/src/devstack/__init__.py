"""Runs the local stack: restate-server (from npm) plus the three Python Restate services."""

from .config import AGENT, DEFAULT_SERVICES, INVOICING, SEATING, ServiceSpec, StackConfig
from .errors import PortInUseError, StackError
from .logs import LogSink
from .paths import find_binary, repo_root
from .ports import free_port, free_ports
from .server import TEST_SERVER_ENV, RestateServer
from .services import ServiceProcess
from .stack import Stack
from .waiting import wait_for

__all__ = [
    "AGENT",
    "DEFAULT_SERVICES",
    "INVOICING",
    "SEATING",
    "TEST_SERVER_ENV",
    "LogSink",
    "PortInUseError",
    "RestateServer",
    "ServiceProcess",
    "ServiceSpec",
    "Stack",
    "StackConfig",
    "StackError",
    "find_binary",
    "free_port",
    "free_ports",
    "repo_root",
    "wait_for",
]
