"""Write README.md from nbs/index.ipynb's markdown cells (nbdev-readme needs Quarto, which CI lacks).
`python .ci/readme.py` writes it; `python .ci/readme.py --check` fails, naming the first differing line, when README.md is out of step."""
import json, sys
from pathlib import Path

root = Path(__file__).resolve().parent.parent
cells = json.loads((root / "nbs" / "index.ipynb").read_text())["cells"]
text = "\n\n".join("".join(c["source"]).strip("\n") for c in cells if c["cell_type"] == "markdown")
title, rest = text.split("\n", 1)
readme = f"{title}\n\n<!-- Written from nbs/index.ipynb by .ci/readme.py (nbdev-readme needs Quarto). -->\n{rest.lstrip(chr(10))}\n"
if "--check" not in sys.argv: (root / "README.md").write_text(readme); sys.exit(0)
have = (root / "README.md").read_text()
if have != readme:
    line = next((i for i, (a, b) in enumerate(zip(have.splitlines(), readme.splitlines()), 1) if a != b), min(len(have.splitlines()), len(readme.splitlines())) + 1)
    sys.exit(f"README.md is out of step with nbs/index.ipynb from line {line}: run `python .ci/readme.py`.")
print("README.md is in step with nbs/index.ipynb")
