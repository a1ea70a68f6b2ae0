"""Supplier simulator: real partner servers for demo and tests.

It plays partner firms on real sockets — openTRANS over HTTP, a signed JSON webhook, an SMTP
mailbox and an EDIFACT drop directory — answers every order with a confirmation and a dispatch
notice, counts what arrived how often, and can be told to fail. See ``simulator/README.md``.
"""

from .config import FAULT_MODES, PartnerConfig, SimulatorConfig
from .server import Simulator

__all__ = ["FAULT_MODES", "PartnerConfig", "Simulator", "SimulatorConfig"]
