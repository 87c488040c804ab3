"""Write the generated demo data set (export files and registry) into a folder, without building a workspace.

    python scripts/make_demo_data.py [FOLDER] [--seed N]

`shailoo demo DIR` does this and then imports everything; see docs/demo.md.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from shailoo.demo import DEFAULT_SEED, generate


def main() -> None:
    parser = argparse.ArgumentParser(description="Write the generated shailoo demo data set.")
    parser.add_argument("folder", nargs="?", default="demo-data", type=Path)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    args = parser.parse_args()
    data = generate(args.folder, args.seed)
    print(f"Wrote {sum(data.posts.values()):,} generated posts in {len(data.files)} files and {data.registry.name} "
          f"to {args.folder} (seed {args.seed}); see {args.folder / 'README.md'}.")


if __name__ == "__main__":
    main()
