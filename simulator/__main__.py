"""``python -m simulator``: run the supplier simulator until Ctrl-C / SIGTERM.

On startup it prints one JSON line on stdout with the ports it listens on, e.g.
``{"http_port": 41234, "smtp_port": 41235, "drop_root": "/tmp/…", …}``; logs go to stderr.
"""

from __future__ import annotations

import argparse
import json
import logging
import signal
import sys
import threading

from .config import FAULT_MODES, PartnerConfig, SimulatorConfig
from .server import Simulator


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m simulator",
        description="Supplier simulator: partner servers that receive orders and answer them.",
        epilog=(
            "partner specs: SLUG:opentrans:TOKEN[:USER:PASSWORD]  SLUG:webhook:TOKEN:SECRET  "
            "SLUG:email:TOKEN[:ADDRESS]  SLUG:edifact[:PARTY_ID]"
        ),
    )
    add = parser.add_argument
    add("--config", help="TOML or JSON file with the same settings (CLI options win)")
    add("--partner", action="append", default=[], metavar="SPEC", help="a partner to play")
    add(
        "--catalog",
        action="append",
        default=[],
        metavar="SLUG=CATALOG",
        help="the partner's own catalog (BMEcat/CSV file or generated:PREFIX:SIZE[:SEED]); "
        "lines whose options it does not offer are rejected",
    )
    add("--portal-url", help="where answers go: POST {portal-url}/api/v1/partner/documents")
    add("--host", help="address to bind (default 127.0.0.1)")
    add("--http-port", type=int, help="openTRANS/webhook/control port (0 = any free port)")
    add("--smtp-port", type=int, help="SMTP port for e-mail partners (0 = any free port)")
    add("--drop-root", help="EDIFACT drop directories root (default: a temporary directory)")
    add("--mail-root", help="where received e-mails are stored (default: a temporary directory)")
    add("--answer-delay", type=float, help="seconds before the order response (default 1)")
    add("--ship-delay", type=float, help="seconds from response to dispatch notice (default 2)")
    add("--answer-policy", choices=["confirm", "partial", "reject"])
    add("--no-answers", action="store_true", help="receive only, never answer")
    add("--answer-attempts", type=int, help="posts per answer document before giving up")
    add("--fail-rate", type=float, help="share of incoming orders that meet a fault (0..1)")
    add("--fail-modes", help=f"comma-separated, from: {','.join(FAULT_MODES)}")
    add("--seed", type=int, help="seed for the fault dice (reproducible runs)")
    add("--timeout-hold", type=float, help="seconds the 'timeout' fault holds a request")
    add("--slow-delay", type=float, help="seconds the 'slow' fault delays an answer")
    add("--log-level", default="INFO")
    return parser


def config_from_args(args: argparse.Namespace) -> SimulatorConfig:
    config = SimulatorConfig.from_file(args.config) if args.config else SimulatorConfig()
    config.partners.extend(PartnerConfig.parse(spec) for spec in args.partner)
    for spec in args.catalog:
        slug, _, catalog = spec.partition("=")
        if not catalog:
            raise ValueError(f"--catalog {spec!r}: expected SLUG=CATALOG")
        try:
            config.partner(slug).catalog = catalog
        except KeyError:
            raise ValueError(f"--catalog {spec!r}: no partner {slug!r}") from None
    for option in (
        "portal_url",
        "host",
        "http_port",
        "smtp_port",
        "drop_root",
        "mail_root",
        "answer_delay",
        "ship_delay",
        "answer_policy",
        "answer_attempts",
        "fail_rate",
        "seed",
        "timeout_hold",
        "slow_delay",
    ):
        value = getattr(args, option)
        if value is not None:
            setattr(config, option, value)
    if args.fail_modes is not None:
        config.fail_modes = [m.strip() for m in args.fail_modes.split(",") if m.strip()]
    if args.no_answers:
        config.answers = False
    # Re-run the checks on the assembled configuration.
    return SimulatorConfig(**{name: getattr(config, name) for name in config.__dataclass_fields__})


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=args.log_level.upper(),
        stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd logs every SMTP line
    try:
        config = config_from_args(args)
    except (ValueError, OSError) as exc:
        parser.error(str(exc))
    if not config.partners:
        parser.error("configure at least one --partner (or partners in --config)")

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    simulator = Simulator(config)
    try:
        simulator.start()
    except (ValueError, OSError) as exc:
        print(f"simulator: cannot start: {exc}", file=sys.stderr)
        return 1
    print(json.dumps(simulator.ports), flush=True)
    try:
        stop.wait()
    finally:
        simulator.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
