"""Remove progress-bar logs from notebooks' saved outputs (run after `nbdev-test --save`, before `nbdev-clean`).

A saved output that is a stream of tqdm bars (diffusers' "Writing model shards", a pipeline's step bar)
says nothing to a reader of the docs, nor does transformers' notice that torchvision is not installed;
the lines of a stream that are either are dropped, and a stream left empty is removed. Usage: python .ci/strip_progress_bars.py nbs/*.ipynb
"""
import json, re, sys

BAR = re.compile(r"\d+%\|.*\|.*(it/s|s/it|\?it/s)|\d+/\d+ \[\d|^\[transformers\] .* requires torchvision")   # tqdm's bar, its counter [00:00<...], or the notice

def strip(path: str) -> int:
    nb = json.loads(open(path).read())
    removed = 0
    for cell in nb["cells"]:
        kept = []
        for out in cell.get("outputs", []):
            if out.get("output_type") == "stream":
                text = "".join(out["text"])
                lines = [l for l in re.split(r"(?<=[\r\n])", text) if l.strip() and not BAR.search(l)]
                if len(lines) != len([l for l in re.split(r"(?<=[\r\n])", text) if l.strip()]): removed += 1
                if not lines: continue
                out["text"] = [l if l.endswith("\n") else l.rstrip("\r") + "\n" for l in lines]
            kept.append(out)
        if "outputs" in cell: cell["outputs"] = kept
    if removed:
        with open(path, "w") as f: json.dump(nb, f, indent=1, ensure_ascii=False); f.write("\n")
    return removed

if __name__ == "__main__":
    for p in sys.argv[1:]:
        if (n := strip(p)): print(f"{p}: {n} outputs held progress bars")
