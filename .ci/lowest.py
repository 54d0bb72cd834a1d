"""Print a pip constraints file pinning every runtime dependency to its lower bound in
pyproject.toml, so .ci/run can check the lessons with the oldest versions we claim."""

import re
import sys
from pathlib import Path

text = Path(__file__).resolve().parent.parent.joinpath("pyproject.toml").read_text()
block = re.search(r"^dependencies = \[(.*?)^\]", text, re.S | re.M)
if block is None:
    sys.exit("lowest.py: no dependencies list in pyproject.toml")
for requirement in re.findall(r'^\s*"([^"]+)"', block[1], re.M):
    name = re.match(r"[A-Za-z0-9_.-]+", requirement)[0]
    low = re.search(r">=\s*([0-9][^,;\s]*)", requirement)
    if low is None:
        sys.exit(f"lowest.py: {name} has no lower bound: add one (>=) to pyproject.toml")
    print(f"{name}=={low[1]}")
