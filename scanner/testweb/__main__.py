"""``python -m scanner.testweb``: serve the test web in the foreground for humans."""

from __future__ import annotations

import argparse
import signal
import sys
import time
from types import FrameType

from . import manifest_names
from .server import TestWeb


def _exit_on_term(signum: int, frame: FrameType | None) -> None:
    """Turn SIGTERM into a normal exit so the certificate directory is removed."""
    sys.exit(0)


def main(argv: list[str] | None = None) -> int:
    """Run until Ctrl-C, printing what Chromium needs to browse the test web."""
    parser = argparse.ArgumentParser(prog="python -m scanner.testweb", description=__doc__)
    parser.add_argument("--port", type=int, default=0, help="port to bind (default: any free)")
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, _exit_on_term)
    with TestWeb(port=args.port) as web:
        print(f"privacyscan test web on 127.0.0.1:{web.port}")
        print(f"SPKI hash: {web.spki_hash}")
        print("Chromium flags:")
        for flag in web.chromium_args:
            print(f"  {flag}")
        print("Example:")
        print(f"  chromium '{web.chromium_args[0]}' '{web.chromium_args[1]}' \\")
        print("    --user-data-dir=$(mktemp -d) https://www.trackstad.nl/")
        print("Sites: " + ", ".join(manifest_names()))
        print("Ctrl-C stops.", flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            print("stopping")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
