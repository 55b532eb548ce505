"""The widgets in a real browser: JupyterLab on 127.0.0.1, Chromium driven by Playwright.

Builds a notebook holding `SegmentWidget` (the shipped shapes model) and `DatasetBrowser` (the repository's
COCO sample), runs it in JupyterLab, types a prompt, presses Segment, and checks that the mask picture
appears with the expected count of white pixels; moves the browser's slider and checks the mask it shows.
Saves a screenshot of each widget in nbs/images/. On failure it prints what the page showed.

Run from the repository root with the project's virtualenv: python .ci/browser_test.py
Needs: jupyterlab and playwright (pip), and Debian's chromium or Google Chrome (no browser download).
"""
import json, os, secrets, shutil, socket, subprocess, sys, tempfile, time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIXTURE = ROOT / "fixtures" / "coco-panoptic-sample"
IMAGES = ROOT / "nbs" / "images"
DEADLINE_S = 300   # the whole test, server start included
COUNT_WHITE = """img => { const c = document.createElement('canvas'); c.width = img.naturalWidth; c.height = img.naturalHeight;
  const g = c.getContext('2d'); g.drawImage(img, 0, 0); const d = g.getImageData(0, 0, c.width, c.height).data;
  let n = 0; for (let i = 0; i < d.length; i += 4) if (d[i] > 127) n++; return n; }"""

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0)); return s.getsockname()[1]

def largest_shape(root: Path, photo: Path) -> str:
    "The class of the largest shape in a synthetic picture: the prompt typed."
    coco = json.loads((root / "annotations" / "instances_val2017.json").read_text())
    image = next(i["id"] for i in coco["images"] if i["file_name"] == photo.name)
    from cocogold.shapes.world import SHAPE_CATEGORIES   # the things (the pictures' ground is a stuff class)
    names = {c["id"]: c["name"] for c in coco["categories"] if c["name"] in SHAPE_CATEGORIES}
    shapes = [a for a in coco["annotations"] if a["image_id"] == image and a["category_id"] in names]
    return names[max(shapes, key=lambda a: a["area"])["category_id"]]

def expected_counts(photo: Path, prompt: str) -> tuple[int, int]:
    "The mask pixels the widgets must show: segment's for the prompt on the photo, and the COCO sample 1's mask."
    from cocogold.dataset import CocoGoldDataset
    from cocogold.inference import segment
    from cocogold.shapes.demo import shapes_pipeline
    mask = segment(str(photo), prompt, model=shapes_pipeline(), output_type="np")
    coco = CocoGoldDataset(FIXTURE, "val", annotations="panoptic", categories=None, size=256)
    return int(mask.sum()), int(coco[1]["mask"].sum())

def write_notebook(folder: Path, photo: Path):
    cells = [f"""import os
os.environ["HF_HUB_OFFLINE"] = "1"
from cocogold.widgets import SegmentWidget, DatasetBrowser
from cocogold.shapes.demo import shapes_pipeline
from cocogold.dataset import CocoGoldDataset
segmenter = SegmentWidget(shapes_pipeline())
segmenter.source.value = {str(photo)!r}
segmenter.load_button.click()
segmenter""", f"""browser = DatasetBrowser(CocoGoldDataset({str(FIXTURE)!r}, "val", annotations="panoptic", categories=None, size=256))
browser"""]
    nb = dict(nbformat=4, nbformat_minor=5, metadata=dict(kernelspec=dict(name="python3", display_name="Python 3", language="python")),
              cells=[dict(cell_type="code", id=f"c{k}", metadata={}, execution_count=None, outputs=[], source=src) for k, src in enumerate(cells)])
    (folder / "widgets.ipynb").write_text(json.dumps(nb))

def start_lab(folder: Path, port: int, token: str) -> subprocess.Popen:
    jupyter = Path(sys.executable).parent / "jupyter"
    log = open(folder / "lab.log", "w")
    return subprocess.Popen([str(jupyter), "lab", "--no-browser", "--ip=127.0.0.1", f"--port={port}", f"--IdentityProvider.token={token}",
                             f"--ServerApp.root_dir={folder}", "--ServerApp.open_browser=False", "--allow-root"],
                            stdout=log, stderr=subprocess.STDOUT, cwd=folder, env=os.environ | {"HF_HUB_OFFLINE": "1", "MPLBACKEND": "Agg"})

def wait_for_server(port: int, proc: subprocess.Popen, deadline: float):
    while time.time() < deadline:
        if proc.poll() is not None: raise RuntimeError(f"JupyterLab exited with status {proc.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1): return
        except OSError: time.sleep(0.5)
    raise TimeoutError("JupyterLab did not start in time")

def run(page, url: str, prompt: str, seg_expected: int, browse_expected: int):
    page.goto(url)
    page.wait_for_selector(".jp-Notebook", timeout=60_000)
    page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle'], .jp-Toolbar-kernelStatus", timeout=60_000)
    page.locator(".jp-Notebook").click()
    page.get_by_role("menuitem", name="Run", exact=True).click()
    page.get_by_role("menuitem", name="Run All Cells", exact=True).click()
    prompts = page.locator(".widget-textarea textarea").first
    prompts.wait_for(timeout=120_000)
    prompts.fill(prompt)
    page.get_by_role("button", name="Segment").click()
    page.get_by_text("ms per mask").wait_for(timeout=120_000)
    segmenter = page.locator(".jp-OutputArea-output").first
    mask = segmenter.locator(".widget-hbox .widget-vbox img").last   # the mask of the one prompt
    mask.wait_for(timeout=30_000)
    got = mask.evaluate(COUNT_WHITE)
    assert got == seg_expected, f"the mask picture has {got} white pixels; segment gives {seg_expected}"
    segmenter.screenshot(path=str(IMAGES / "widgets-segment.png"))
    browser = page.locator(".jp-OutputArea-output").nth(1)
    browser.wait_for(timeout=60_000)
    readout = browser.locator(".widget-readout").first
    readout.click(); page.keyboard.press("Control+A"); page.keyboard.type("1"); page.keyboard.press("Enter")
    browser.get_by_text("sample 1 (2 of").wait_for(timeout=30_000)
    shown = browser.locator("img").nth(1)   # crop, mask, painted target
    page.wait_for_timeout(500)
    got = shown.evaluate(COUNT_WHITE)
    assert got == browse_expected, f"the browser's mask picture has {got} white pixels; sample 1's mask has {browse_expected}"
    browser.screenshot(path=str(IMAGES / "widgets-browser.png"))

def main() -> int:
    from playwright.sync_api import sync_playwright
    started, work = time.time(), Path(tempfile.mkdtemp())
    from cocogold.shapes.world import make_synthetic_coco
    shapes = make_synthetic_coco(work / "shapes", n_images=6, split="val", seed=77, size_range=(100, 150))
    photo = sorted((shapes / "images" / "val").iterdir())[0]
    prompt = largest_shape(shapes, photo)
    seg_expected, browse_expected = expected_counts(photo, prompt)
    if not seg_expected: print(f"FAIL: the shapes model finds no {prompt} in {photo}; the check would prove nothing", file=sys.stderr); return 1
    shutil.copy(photo, work / "shapes.jpg")   # the notebook names it by a short relative path (it shows in the screenshot)
    write_notebook(work, Path("shapes.jpg"))
    port, token = free_port(), secrets.token_hex(16)
    lab = start_lab(work, port, token)
    page = None
    try:
        wait_for_server(port, lab, started + 90)
        with sync_playwright() as p:
            chrome = p.chromium.launch(executable_path=shutil.which("chromium") or shutil.which("google-chrome"), headless=True,
                                       args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                                             "--disable-component-update", "--disable-sync"])
            page = chrome.new_page(viewport={"width": 1280, "height": 1400})
            page.set_default_timeout(60_000)
            try:
                run(page, f"http://127.0.0.1:{port}/lab/tree/widgets.ipynb?token={token}", prompt, seg_expected, browse_expected)
            except Exception as e:
                print(f"FAIL: {type(e).__name__}: {e}", file=sys.stderr)
                try:
                    page.screenshot(path=str(work / "failure.png"), full_page=True)
                    print("The page showed:\n" + page.locator("body").inner_text()[-4000:], file=sys.stderr)
                    print(f"(screenshot: {work / 'failure.png'})", file=sys.stderr)
                except Exception as shot_error: print(f"(could not read the page: {shot_error})", file=sys.stderr)
                print("JupyterLab's log ends:\n" + (work / "lab.log").read_text()[-3000:], file=sys.stderr)
                return 1
            finally: chrome.close()
    finally:
        lab.terminate()
        try: lab.wait(timeout=20)
        except subprocess.TimeoutExpired: lab.kill()
    print(f"browser test passed in {time.time() - started:.0f} s: the mask of {prompt!r} has {seg_expected} pixels, sample 1's mask {browse_expected}; "
          f"screenshots in {IMAGES}")
    return 0

if __name__ == "__main__": sys.exit(main())
