"""OrderHub practice-side connector (Schnittstelle).

Register a practice with the OrderHub portal, keep its master data in sync, decide which
firms' orders go through OrderHub, submit orders idempotently and follow their status.
Depends on httpx and the standard library only.
"""

__version__ = "0.1.0"

from .config import ConnectorConfig, load_config
from .connector import Connector, OrderResult, RegistrationResult, SyncResult
from .errors import ConnectorError, ExitCode, Message
from .interface import InterfaceCheck, InterfaceSetting, check_interface
from .practice import (
    JsonFileSource,
    OrderStatusUpdate,
    PracticeData,
    PracticeDataSource,
    parse_practice_data,
)
from .routing import FirmRoute, route_firm

__all__ = [
    "Connector",
    "ConnectorConfig",
    "ConnectorError",
    "ExitCode",
    "FirmRoute",
    "InterfaceCheck",
    "InterfaceSetting",
    "JsonFileSource",
    "Message",
    "OrderResult",
    "OrderStatusUpdate",
    "PracticeData",
    "PracticeDataSource",
    "RegistrationResult",
    "SyncResult",
    "__version__",
    "check_interface",
    "load_config",
    "parse_practice_data",
    "route_firm",
]
