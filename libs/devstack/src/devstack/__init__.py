"""Runs the local stack: restate-server (from npm) plus the three Python Restate services."""

from .cluster import ClusterStatus
from .config import (
    AGENT,
    DEFAULT_SERVICES,
    INVOICING,
    SEATING,
    NodePorts,
    ServiceSpec,
    StackConfig,
    cluster_node_ports,
)
from .errors import PortInUseError, StackError
from .logs import LogSink
from .paths import find_binary, find_restatectl, repo_root
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
    "ClusterStatus",
    "LogSink",
    "NodePorts",
    "PortInUseError",
    "RestateServer",
    "ServiceProcess",
    "ServiceSpec",
    "Stack",
    "StackConfig",
    "StackError",
    "cluster_node_ports",
    "find_binary",
    "find_restatectl",
    "free_port",
    "free_ports",
    "repo_root",
    "wait_for",
]
