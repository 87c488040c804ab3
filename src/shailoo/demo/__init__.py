"""The demo: a generated data set about a fictional election, imported into a workspace by `shailoo demo`.

`generate(folder, seed)` writes the data as real export files (CrowdTangle CSV, Telegram Desktop
JSON, an actor registry); `run_demo(folder, console)` builds a whole workspace from them.
"""

from shailoo.demo.generate import DEFAULT_SEED, DemoData, generate
from shailoo.demo.run import PROJECT, run_demo

__all__ = ["DEFAULT_SEED", "DemoData", "PROJECT", "generate", "run_demo"]
