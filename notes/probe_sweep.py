# The bad-input sweep of issue #43: 60 probes of the API and the CLIs on tiny data, each classified as clear / ok / unclear /
# silent / data loss. Not a test: run it by hand against a checkout, e.g. `PYTHONPATH=<checkout> python notes/probe_sweep.py out.json`.
# Each probe says what a user would expect: "refuse" (a clear error naming the argument or value), "work", or "keep" (no file lost).
import json, os, pickle, shutil, subprocess, sys, tempfile, traceback, warnings
from pathlib import Path
os.environ.setdefault("HF_HUB_OFFLINE", "1"); os.environ.setdefault("MPLBACKEND", "Agg")
import numpy as np, torch
from PIL import Image
warnings.simplefilter("ignore")
torch.set_num_threads(2)

try: from cocogold.shapes.world import make_synthetic_coco, make_synthetic_refcoco, SHAPE_CATEGORIES
except ImportError: from cocogold.dataset import make_synthetic_coco, make_synthetic_refcoco, SHAPE_CATEGORIES
try: from cocogold.testing import tiny_pipeline
except ImportError: from cocogold.model import tiny_pipeline
from cocogold.dataset import CocoGoldDataset, RefCocoDataset, load_refs
from cocogold.train import TrainConfig, train
from cocogold.eval import iou, referring_metrics, evaluate
from cocogold.inference import segment
from cocogold.runs import latest_checkpoint, checkpoint_step

BIN = Path(sys.executable).parent
TMP = Path(tempfile.mkdtemp())
shapes = make_synthetic_coco(TMP / "shapes", n_images=16, seed=0, size_range=(64, 96))
make_synthetic_coco(shapes, n_images=8, split="val", seed=1, size_range=(64, 96))
refer = make_synthetic_refcoco(TMP / "refer", n_images=27, dataset="grefcoco", seed=0)
tiny = dict(data_root=str(shapes), base_model="tiny", categories=SHAPE_CATEGORIES, size=32, min_image_size=32, objective="single_step",
            effective_batch_size=8, micro_batch_size=4, lr=1e-3, lr_warmup_steps=0, num_workers=0, trackers=[],
            checkpoint_every=1000, validate_every=1000, validation_samples=8)
pipe = tiny_pipeline(seed=0, objective="single_step", tolerance=0.6)
photo = shapes / "images" / "train" / sorted(p.name for p in (shapes / "images" / "train").iterdir())[0]
probes, results = [], []

def probe(name, expect, needles=()):
    "Register a probe: `expect` is 'refuse', 'work' or 'keep'; a refusal is clear when its message holds every needle."
    def deco(fn): probes.append((name, expect, needles, fn)); return fn
    return deco

_ENTRY = {"cocogold-segment": ("cocogold.inference", "segment_cli"), "cocogold-eval": ("cocogold.eval", "eval_cli"),
          "cocogold-train": ("cocogold.train", "train_cli"), "cocogold-demo": ("cocogold.shapes.demo|cocogold.demo", "demo_cli")}
def cli(*args):
    "A CLI run as its entry point runs it, from the package on sys.path (so that another checkout can be probed)."
    modules, fn = _ENTRY[args[0]]
    script = TMP / f"{args[0]}.py"
    script.write_text("import sys, importlib\n"
                      f"for m in {modules.split('|')!r}:\n"
                      "    try: mod = importlib.import_module(m); break\n"
                      "    except ImportError: pass\n"
                      f"sys.argv[0] = {args[0]!r}\nsys.exit(getattr(mod, {fn!r})())\n")
    return subprocess.run([sys.executable, str(script), *map(str, args[1:])], capture_output=True, text=True, timeout=600)

# --- training config values
for key, value, needle in [("max_grad_norm", -1.0, "max_grad_norm"), ("lr", 0.0, "'lr'"), ("lr_final_ratio", 1.5, "lr_final_ratio"),
                           ("ema_decay", 1.2, "ema_decay"), ("lr_warmup_steps", -5, "lr_warmup_steps"), ("lr_decay_steps", 0, "lr_decay_steps"),
                           ("text_encoder_lr", -1e-4, "text_encoder_lr"), ("mask_latent_weight", -1.0, "mask_latent_weight"),
                           ("multires_noise_levels", 0, "multires_noise_levels"), ("num_workers", -1, "num_workers"), ("size", 0, "size"),
                           ("micro_batch_size", 3, "micro_batch_size"), ("absent_prob", 1.5, "absent_prob"), ("crop_scale", [0.9, 0.5], "crop_scale"),
                           ("max_step", 5, "max_steps"), ("objective", "foo", "objective"), ("referring_weight", 1.2, "referring_weight"),
                           ("categories", 7, "categories")]:
    probe(f"TrainConfig {key}={value!r}", "refuse", (needle,))(lambda key=key, value=value: TrainConfig.from_dict(tiny, **{key: value}))

# --- pipeline and segment arguments
img = torch.rand(3, 48, 64)
for kw, needle in [(dict(num_inference_steps=0), "num_inference_steps"), (dict(ensemble_size=0), "ensemble_size"),
                   (dict(processing_resolution=30), "processing_resolution"), (dict(zoom=-1), "zoom"), (dict(output_type="jpg"), "output_type")]:
    probe(f"pipeline({', '.join(f'{k}={v!r}' for k, v in kw.items())})", "refuse", (needle,))(lambda kw=kw: pipe(img, "circle", **kw))
for prompt in (None, "", 123):
    probe(f"pipeline(prompt={prompt!r})", "refuse", ("prompt",))(lambda prompt=prompt: pipe(img, prompt))
probe("segment(a file that does not exist)", "refuse", ("nope.jpg",))(lambda: segment(TMP / "nope.jpg", "circle", model=pipe))
probe("segment(model=a folder that does not exist)", "refuse", ("no-such-model",))(lambda: segment(photo, "circle", model=str(TMP / "no-such-model")))
def _incomplete():
    folder = TMP / "incomplete"; pipe.save_pretrained(folder); shutil.rmtree(folder / "unet")
    return segment(photo, "circle", model=str(folder))
probe("segment(model=a folder missing its unet)", "refuse", ("unet",))(_incomplete)
probe("segment(output_type='bmp')", "refuse", ("output_type",))(lambda: segment(photo, "circle", model=pipe, output_type="bmp"))

# --- metrics
square = np.zeros((8, 8), bool); square[2:5, 2:5] = True
probe("iou(PIL mask, PIL mask)", "work")(lambda: float(iou(Image.fromarray(square), Image.fromarray(square))))
probe("iou(numpy mask, tensor mask)", "work")(lambda: float(iou(square, torch.from_numpy(square))))
probe("referring_metrics(numpy masks)", "work")(lambda: referring_metrics([square], [square])["oIoU"])
probe("iou(mask of 0.5s)", "refuse", ("0.5",))(lambda: iou(torch.full((8, 8), 0.5), torch.from_numpy(square)))
probe("referring_metrics(2 predictions, 1 reference)", "refuse", ("2 predictions",))(lambda: referring_metrics([square, square], [square]))
probe("referring_metrics(shapes differ)", "refuse", ("shape",))(lambda: referring_metrics([square[:4]], [square]))

# --- datasets and refs files
probe("CocoGoldDataset(a root that does not exist)", "refuse", ("no-root",))(lambda: CocoGoldDataset(TMP / "no-root"))
probe("CocoGoldDataset(categories=['unicorn'])", "refuse", ("unicorn",))(lambda: CocoGoldDataset(shapes, categories=["unicorn"]))
probe("CocoGoldDataset(split='test')", "refuse", ("test",))(lambda: CocoGoldDataset(shapes, split="test", categories=SHAPE_CATEGORIES))
probe("RefCocoDataset(refcoco/umd)", "refuse", ("umd",))(lambda: RefCocoDataset(refer, "refcoco", "umd"))
def _truncated():
    path = TMP / "truncated" / "refs(unc).p"; path.parent.mkdir(exist_ok=True)
    path.write_bytes(pickle.dumps([{"ref_id": 1, "sentences": []}] * 50, protocol=2)[:40]); return load_refs(path)
probe("load_refs(a truncated pickle)", "refuse", ("refs(unc).p", "truncated"))(_truncated)
def _missing_field():
    root = TMP / "fieldless"; shutil.copytree(refer, root)
    refs = json.loads((root / "grefcoco" / "grefs(unc).json").read_text())
    for r in refs: r.pop("sentences")
    (root / "grefcoco" / "grefs(unc).json").write_text(json.dumps(refs))
    return RefCocoDataset(root, "grefcoco", "unc", "val", size=None)
probe("RefCocoDataset(refs without 'sentences')", "refuse", ("sentences", "grefs(unc).json"))(_missing_field)

# --- evaluation accounting
def _holed():
    root = TMP / "holed"; shutil.copytree(refer, root)
    ds = RefCocoDataset(root, "grefcoco", "unc", "val", size=None)
    lost = ds.samples[0]["image_id"]
    (ds.images_dir / ds.images[lost]["file_name"]).unlink()
    result = evaluate(pipe, ds, n=None, num_inference_steps=1, processing_resolution=64, progress=False)
    scored = [r.get("sent_id") for r in result.rows]
    if len(scored) != len(set(scored)) or any(s["image_id"] == lost for s in (ds.samples[r["index"]] for r in result.rows)):
        return "SILENT: a replacement was scored"
    if not getattr(result, "skipped", None): return "SILENT: the unscored samples are not recorded"
    return f"{len(result.rows)} scored, {len(result.skipped)} listed as not scored"
probe("evaluate(a refer root with one photo missing)", "work")(_holed)
probe("evaluate(n=0)", "refuse", ("n=0",))(lambda: evaluate(pipe, RefCocoDataset(refer, "grefcoco", "unc", "val", size=None), n=0, progress=False))

# --- writers
def _rewrite_coco():
    root = TMP / "shapes-copy"; shutil.copytree(shapes, root)   # a copy: the probes after this one train on `shapes`
    before = (root / "annotations" / "instances_train2017.json").read_bytes()
    try: make_synthetic_coco(root, n_images=2, seed=9, size_range=(64, 96))
    except FileExistsError as e: return ("refused", str(e))
    return "LOST" if (root / "annotations" / "instances_train2017.json").read_bytes() != before else "kept"
probe("make_synthetic_coco(an existing root and split)", "keep")(_rewrite_coco)
def _rewrite_refer():
    before = (refer / "grefcoco" / "instances.json").read_bytes()
    root = TMP / "refer-copy"; shutil.copytree(refer, root)
    try: make_synthetic_refcoco(root, n_images=9, dataset="grefcoco", seed=9)
    except FileExistsError as e: return ("refused", str(e))
    return "LOST" if (root / "grefcoco" / "instances.json").read_bytes() != before else "kept"
probe("make_synthetic_refcoco(an existing root)", "keep")(_rewrite_refer)

# --- CLIs
model_dir = TMP / "tiny-model"; pipe.save_pretrained(model_dir)
def _segment_names(prompts):
    out = TMP / f"seg-{len(list(TMP.glob('seg-*')))}"
    r = cli("cocogold-segment", photo, *prompts, "--model", model_dir, "--output-dir", out)
    if r.returncode: return f"ERROR {r.stderr[-300:]}"
    files = sorted(p.name for p in out.iterdir())
    return "LOST" if len(files) < len(prompts) + 1 else files
probe("cocogold-segment 'red circle' 'red-circle'", "keep")(lambda: _segment_names(["red circle", "red-circle"]))
probe("cocogold-segment 'overlay' 'circle'", "keep")(lambda: _segment_names(["overlay", "circle"]))
def _segment_blocked():
    blocker = TMP / "a-file"; blocker.write_text("")
    return cli("cocogold-segment", photo, "circle", "--model", model_dir, "--output-dir", blocker / "masks")
probe("cocogold-segment --output-dir under a file", "refuse", ("output-dir",))(_segment_blocked)
probe("cocogold-eval --n 0", "refuse", ("--n",))(lambda: cli("cocogold-eval", model_dir, shapes, "--n", "0", "--size", "32", "--output-dir", TMP / "ev"))
probe("cocogold-demo --n 0", "refuse", ("--n",))(lambda: cli("cocogold-demo", "--n", "0", "--output-dir", TMP / "dm"))
probe("cocogold-train --config no-such.yaml", "refuse", ("no-such",))(lambda: cli("cocogold-train", "--config", TMP / "no-such.yaml"))
probe("cocogold-train --max-steps lots", "refuse", ("max_steps",))(lambda: cli("cocogold-train", "--max-steps", "lots"))
probe("cocogold-segment a missing picture", "refuse", ("missing.png",))(lambda: cli("cocogold-segment", TMP / "missing.png", "circle", "--model", model_dir))

# --- run folders
run_dir = TMP / "run"
def _fresh_twice():
    cfg = TrainConfig.from_dict(tiny, output_dir=str(run_dir), max_steps=2, checkpoint_every=2)
    train(cfg); first = (run_dir / "checkpoints").exists() and sorted(p.name for p in (run_dir / "checkpoints").iterdir())
    marker = (run_dir / "model" / "model_index.json").stat().st_mtime_ns
    try: train(TrainConfig.from_dict(tiny, output_dir=str(run_dir), max_steps=2, checkpoint_every=2, seed=5))
    except FileExistsError as e: return ("refused", str(e))
    return "LOST: the first run's model was replaced" if (run_dir / "model" / "model_index.json").stat().st_mtime_ns != marker else "kept"
probe("train() again into a finished run's folder", "keep")(_fresh_twice)
probe("resume with another picture size", "refuse", ("size",))(lambda: train(TrainConfig.from_dict(tiny, output_dir=str(run_dir), max_steps=3, size=48, resume="latest")))
probe("resume with another lr", "refuse", ("lr",))(lambda: train(TrainConfig.from_dict(tiny, output_dir=str(run_dir), max_steps=3, lr=0.5, resume="latest")))
def _damaged():
    folder = TMP / "run-damaged"
    train(TrainConfig.from_dict(tiny, output_dir=str(folder), max_steps=2, checkpoint_every=1))
    ck = latest_checkpoint(folder); f = ck / "model.safetensors"; f.write_bytes(f.read_bytes()[:100])   # step 2 cut short; step 1 is good
    train(TrainConfig.from_dict(tiny, output_dir=str(folder), max_steps=3, checkpoint_every=1, resume="latest"))
    return f"resumed, now at step {checkpoint_step(latest_checkpoint(folder))}"
probe("resume from a damaged latest checkpoint (one earlier is good)", "work")(_damaged)
def _busy():
    folder = TMP / "run-busy"; folder.mkdir()
    (folder / "run.lock").write_text(str(os.getpid()))   # a live process holds the folder
    return train(TrainConfig.from_dict(tiny, output_dir=str(folder), max_steps=1, checkpoint_every=1))
probe("train() on a folder another live run holds", "refuse", ("in use",))(_busy)
def _gif():
    frames = [Image.new("RGB", (32, 32), c) for c in ("red", "blue")]
    frames[0].save(TMP / "anim.gif", save_all=True, append_images=frames[1:])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        segment(TMP / "anim.gif", "circle", model=pipe)
    said = [str(w.message) for w in caught if "frame" in str(w.message).lower()]
    return said[0] if said else "SILENT: the first frame was used without a word"
probe("segment(an animated GIF)", "work")(_gif)

def classify(expect, needles, outcome, error, cli_run):
    if cli_run is not None:
        if cli_run.returncode == 0: return ("silent" if expect == "refuse" else "ok"), cli_run.stdout[-200:]
        message = cli_run.stderr.strip()
        clear = "Traceback" not in message and all(n.lower() in message.lower() for n in needles)
        return ("clear" if clear else "unclear"), message.splitlines()[-1][:200] if message else ""
    if error is not None:
        if expect in ("refuse",): return ("clear" if all(n.lower() in error.lower() for n in needles) else "unclear"), error[:200]
        if expect == "keep": return "unclear", error[:200]
        return "unclear", error[:200]
    text = str(outcome)
    if expect == "refuse": return "silent", text[:200]
    if "LOST" in text: return "data loss", text[:200]
    if "SILENT" in text: return "silent", text[:200]
    if isinstance(outcome, tuple) and outcome and outcome[0] == "refused": return "clear", outcome[1][:200]
    return "ok", text[:200]

for name, expect, needles, fn in probes:
    outcome = error = cli_run = None
    try:
        outcome = fn()
        if isinstance(outcome, subprocess.CompletedProcess): cli_run, outcome = outcome, None
    except Exception as e: error = f"{type(e).__name__}: {e}"
    verdict, said = classify(expect, needles, outcome, error, cli_run)
    results.append(dict(probe=name, expect=expect, verdict=verdict, said=said.replace("\n", " ")))
    print(f"{verdict:9s} | {name} | {said[:150]!r}", flush=True)
Path(sys.argv[1]).write_text(json.dumps(results, indent=1))
shutil.rmtree(TMP, ignore_errors=True)
