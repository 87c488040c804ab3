"""The `shailoo` program: registers only the command it runs (see cli/main.py COMMANDS), then runs it."""

from __future__ import annotations

import sys


def main() -> None:
    import shailoo.cli

    shailoo.cli.lazy = True  # tells cli/main.py not to import every command module on import
    from shailoo.cli.main import main as run

    run()


if __name__ == "__main__":
    sys.exit(main())
