"""Print the README's Nth shell block (1: set up and run the demo, 2: run the tests).

CI runs these exactly as a newcomer copies them, so a README that drifts from what works
turns CI red.
"""

import re
import sys
from pathlib import Path

readme = Path(__file__).resolve().parents[1] / "README.md"
blocks = re.findall(r"```sh\n(.*?)```", readme.read_text(encoding="utf-8"), flags=re.S)
print(blocks[int(sys.argv[1]) - 1].strip())
