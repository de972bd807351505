#!/usr/bin/env python3
"""Start the kiosk: ``python run_kiosk.py --profile demo [--windowed]`` (see ``--help``)."""

import sys

from kiosk.launch import main

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
