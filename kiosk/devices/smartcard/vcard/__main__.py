"""``python -m kiosk.devices.smartcard.vcard CARD [--port 35963]``: hold a virtual card in vpcd."""

from __future__ import annotations

import argparse
import sys
import time

from kiosk.devices.smartcard.vcard.catalogue import CARDS
from kiosk.devices.smartcard.vcard.controller import VirtualCardController


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="vcard", description="Serve a virtual card to vpcd")
    parser.add_argument("card", choices=sorted(CARDS))
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=35963)
    parser.add_argument("--seconds", type=float, default=0, help="remove after this long (0: until Ctrl-C)")
    args = parser.parse_args(argv)
    controller = VirtualCardController(args.host, args.port)
    try:
        controller.insert(args.card)
    except ConnectionError as e:
        print(e, file=sys.stderr)
        return 2
    print(f"{args.card} inserted into vpcd {args.host}:{args.port}", flush=True)
    try:
        deadline = time.monotonic() + args.seconds if args.seconds else None
        while controller.inserted and (deadline is None or time.monotonic() < deadline):
            time.sleep(0.2)
    except KeyboardInterrupt:
        pass
    controller.remove()
    return 0


if __name__ == "__main__":
    sys.exit(main())
