"""The pixel suite: each graded corruption against its peers and against its floor.

    python -m benchmarks pixels                          # every section, 3 repeats
    python -m benchmarks pixels --sections ops --sizes 512
    python -m benchmarks pixels --write docs/performance.md

Sections (ratios measured side by side in one run, medians of ``--repeats``):
  ops      each graded corruption's ``apply_image`` vs albumentationsx and AugLy on the
           same uint8 arrays (where they have the op), noise-like and diagram-like
           images at each of ``--sizes``. Target: gaussian_noise >= 1.2x the fastest
           peer, every other shared op >= 1.0x.
  dataset  ``corrupt_dataset`` with each pixel corruption on ``--n`` PNG rows against
           (a) albumentationsx inside ``ds.map`` returning a PIL image that ``datasets``
           encodes (target <= 0.33x) and (b) a floor map that only decodes and re-encodes
           each image with the encoding the corruption's output gets (``png="auto"``
           resolved on the first row's output; target <= 1.3x). jpeg_compression is also
           timed against a second floor that adds one JPEG encode+decode at its quality
           (the round trip that is the corruption); the target stays on the first.
  encodings  (not in the default run) ms and KB of each PNG writer on 512 px outputs:
           this library's stored, rle and huffman, Pillow at levels 1 (``zlib``) and 6
           (what ``datasets`` uses), OpenCV at levels 1 and 0; medians of ``--repeats``.
"""

from __future__ import annotations

import argparse
import io
import json
import statistics
import sys
import tempfile
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

import hallucue_corrupt as hc

from .data import build, diagram_array
from .run import machine, median_time, round_robin, table, write_report

#: The graded corruptions at severity 3 (grayscale at 5: the peers only fully desaturate).
OPS: dict[str, dict[str, Any]] = {
    "gaussian_noise": {},
    "gaussian_blur": {},
    "downsample": {},
    "jpeg_compression": {},
    "patch_mask": {},
    "occlusion": {},
    "patch_shuffle": {},
    "contrast": {},
    "grayscale": {"severity": 5},
}
TARGET_NOISE = 1.2
TARGET_SHARED = 1.0
TARGET_ALB_MAP = 0.33
TARGET_FLOOR = 1.3


def corruption(name: str) -> Any:
    return hc.make(name, **OPS[name])


def peer_ops(name: str, size: int) -> dict[str, Callable[[np.ndarray], Any]]:
    """Each peer's closest op to ``name`` at the same strength on a uint8 RGB array
    (albumentationsx returns an array, AugLy a PIL image); empty where none has it."""
    c = corruption(name)
    value = c.value()
    ops: dict[str, Callable[[np.ndarray], Any]] = {}
    try:
        import albumentations as A
        import cv2

        sigma_px = max(0.3, value * size / 224)
        side = float(np.sqrt(value))
        alb = {
            "gaussian_noise": lambda: A.GaussNoise(
                std_range=(value, value), per_channel=True, p=1.0
            ),
            "gaussian_blur": lambda: A.GaussianBlur(
                sigma_range=(sigma_px, sigma_px), blur_range=(0, 0), p=1.0
            ),
            "downsample": lambda: A.Downscale(
                scale_range=(1 / value, 1 / value),
                interpolation_pair={"downscale": cv2.INTER_AREA, "upscale": cv2.INTER_NEAREST},
                p=1.0,
            ),
            "jpeg_compression": lambda: A.ImageCompression(
                quality_range=(round(value), round(value)), p=1.0
            ),
            "occlusion": lambda: A.CoarseDropout(
                num_holes_range=(1, 1),
                hole_height_range=(side, side),
                hole_width_range=(side, side),
                fill=0,
                p=1.0,
            ),
            "patch_shuffle": lambda: A.RandomGridShuffle(grid=(round(value),) * 2, p=1.0),
            "contrast": lambda: A.RandomBrightnessContrast(
                brightness_range=(0, 0), contrast_range=(value - 1, value - 1), p=1.0
            ),
            "grayscale": lambda: A.ToGray(num_output_channels=3, p=1.0),
        }
        if name in alb:
            transform = alb[name]()
            ops["albumentationsx"] = lambda a, t=transform: t(image=a)["image"]
    except ImportError as exc:
        print(f"pixels  albumentationsx skipped: {exc}", file=sys.stderr)
    try:
        import augly.image as imaugs
        from PIL import Image

        augly = {
            "gaussian_noise": lambda a: imaugs.random_noise(Image.fromarray(a), var=value**2),
            "gaussian_blur": lambda a: imaugs.blur(
                Image.fromarray(a), radius=max(0.3, value * size / 224)
            ),
            "jpeg_compression": lambda a: imaugs.encoding_quality(
                Image.fromarray(a), quality=round(value)
            ),
            "contrast": lambda a: imaugs.contrast(Image.fromarray(a), factor=value),
            "grayscale": lambda a: imaugs.grayscale(Image.fromarray(a)),
        }
        if name in augly:
            ops["augly"] = augly[name]
    except ImportError as exc:
        print(f"pixels  augly skipped: {exc}", file=sys.stderr)
    return ops


def images(kind: str, size: int, count: int) -> list[np.ndarray]:
    if kind == "diagram":
        return [diagram_array(i, size) for i in range(count)]
    return [
        np.random.default_rng(i).integers(0, 256, (size, size, 3), np.uint8) for i in range(count)
    ]


#: An ops measurement repeats its pass over the arrays until it lasts about this long: a
#: pass of 8 small images takes well under a millisecond, at the mercy of the timer and of
#: any burst of load on a shared machine.
MIN_MEASURE_S = 0.03


def _run_passes(fn: Callable[[np.ndarray], Any], arrays: list[np.ndarray], passes: int) -> None:
    """``passes`` passes of ``fn`` over ``arrays``, each output dropped at once (as every
    library's would be by a caller that writes it out): kept, thousands of fresh outputs
    would time this machine's page faults rather than the op."""
    for _ in range(passes):
        for a in arrays:
            fn(a)


def _passes(fn: Callable[[np.ndarray], Any], arrays: list[np.ndarray]) -> int:
    """How many passes over ``arrays`` one measurement of ``fn`` makes (after a warm-up
    pass, which also times it)."""
    one = median_time(lambda: _run_passes(fn, arrays, 1), 1)
    return max(1, round(MIN_MEASURE_S / max(one, 1e-9)))


def section_ops(sizes: list[int], repeats: int, count: int) -> list[dict[str, Any]]:
    """images/s of each op, ours and the peers', timed round-robin on the same arrays."""
    rows = []
    for size in sizes:
        for kind in ("noise", "diagram"):
            arrays = images(kind, size, count)
            for name in OPS:
                c = corruption(name)
                fns: dict[str, Callable[[np.ndarray], Any]] = {
                    "hallucue_corrupt": lambda a, c=c: c.apply_image(a, key=0)
                }
                fns.update(peer_ops(name, size))
                times: dict[str, list[float]] = {lib: [] for lib in fns}
                passes = {lib: _passes(fn, arrays) for lib, fn in fns.items()}
                for _ in range(repeats):
                    for lib, fn in fns.items():
                        times[lib].append(
                            median_time(
                                lambda fn=fn, k=passes[lib], arrays=arrays: _run_passes(
                                    fn, arrays, k
                                ),
                                1,
                            )
                            / passes[lib]
                        )
                speeds = {lib: len(arrays) / statistics.median(t) for lib, t in times.items()}
                peers = {lib: v for lib, v in speeds.items() if lib != "hallucue_corrupt"}
                best = max(peers.values()) if peers else None
                ratio = speeds["hallucue_corrupt"] / best if best else None
                target = TARGET_NOISE if name == "gaussian_noise" else TARGET_SHARED
                rows.append(
                    {
                        "size": size,
                        "images": kind,
                        "corruption": name,
                        "images_per_s": speeds,
                        "ratio_to_fastest_peer": ratio,
                        "target": target if best else None,
                        "met": (ratio >= target) if ratio is not None else None,
                    }
                )
                shown = ", ".join(f"{k} {v:.0f}/s" for k, v in speeds.items())
                verdict = f"  ratio {ratio:.2f} (target >= {target})" if ratio else ""
                print(f"ops  {size:4d} {kind:7s} {name:16s} {shown}{verdict}", flush=True)
    return rows


def output_encoding(name: str, pixels: np.ndarray) -> str:
    """The PNG encoding the corruption's output gets (``auto`` resolved on it): the floor
    re-encodes the input with the same one."""
    out, _ = corruption(name).apply_image(pixels, key=0)
    return hc.media.resolve_encoding(out, corruption(name).encoding())


def floor_map(
    encoding: str, jpeg_quality: int | None = None
) -> Callable[[dict[str, Any]], dict[str, Any]]:
    """The floor: decode each PNG and encode its pixels again, as a corruption must; with
    ``jpeg_quality``, one JPEG encode+decode at that quality in between (OpenCV, as
    jpeg_compression does it)."""
    from PIL import Image

    def fn(row: dict[str, Any]) -> dict[str, Any]:
        pixels = np.asarray(Image.open(io.BytesIO(row["image"]["bytes"])))
        if jpeg_quality is not None:
            pixels = hc.functional.image.jpeg8(pixels, jpeg_quality)[0]
        return {"image": {"bytes": hc.media.encode_png(pixels, encoding), "path": None}}  # type: ignore[arg-type]

    return fn


#: Corruptions also timed against the floor plus the work that is the corruption itself.
JPEG_FLOOR = "jpeg_compression"


def alb_map(name: str, size: int) -> Callable[[dict[str, Any]], dict[str, Any]] | None:
    """What a user would write instead: albumentationsx on the decoded image, returning a
    PIL image for ``datasets`` to encode."""
    from PIL import Image

    op = peer_ops(name, size).get("albumentationsx")
    if op is None:
        return None
    return lambda row: {"image": Image.fromarray(op(np.asarray(row["image"])))}


def section_dataset(n: int, size: int, repeats: int, cache: Path) -> list[dict[str, Any]]:
    import datasets

    datasets.disable_caching()
    datasets.disable_progress_bars()
    rows = []
    for kind in ("noise", "diagram"):
        ds = build(n, size, cache, kind)
        raw = ds.cast_column("image", datasets.Image(decode=False))
        jobs: dict[str, Callable[[], Any]] = {}
        first = np.asarray(ds[0]["image"].convert("RGB"))
        encodings = {name: output_encoding(name, first) for name in OPS}
        for encoding in sorted(set(encodings.values())):
            jobs[f"floor:{encoding}"] = lambda e=encoding, raw=raw: raw.map(
                floor_map(e), new_fingerprint=uuid.uuid4().hex
            )  # no fingerprint hashing (~0.1 s a map): the floor is the least work
        quality = round(corruption(JPEG_FLOOR).value())
        jobs["floor+jpeg"] = lambda e=encodings[JPEG_FLOOR], q=quality, raw=raw: raw.map(
            floor_map(e, q), new_fingerprint=uuid.uuid4().hex
        )
        for name in OPS:
            pipe = hc.Pipeline([corruption(name)], seed=0)
            jobs[name] = lambda pipe=pipe, ds=ds: hc.corrupt_dataset(
                ds, pipe, image_column="image", key_column="id"
            )
            fn = alb_map(name, size)
            if fn is not None:
                jobs[f"alb:{name}"] = lambda fn=fn, ds=ds: ds.map(fn)
        t = {name: statistics.median(v) for name, v in round_robin(jobs, repeats).items()}
        for name in OPS:
            encoding = encodings[name]
            floor = t[f"floor:{encoding}"]
            alb = t.get(f"alb:{name}")
            row = {
                "images": kind,
                "size": size,
                "rows": n,
                "corruption": name,
                "encoding": encoding,
                "corrupt_s": t[name],
                "floor_s": floor,
                "floor_ratio": t[name] / floor,
                "floor_met": t[name] / floor <= TARGET_FLOOR,
                "alb_s": alb,
                "alb_ratio": t[name] / alb if alb else None,
                "alb_met": (t[name] / alb <= TARGET_ALB_MAP) if alb else None,
                "jpeg_floor_s": t["floor+jpeg"] if name == JPEG_FLOOR else None,
                "jpeg_floor_ratio": t[name] / t["floor+jpeg"] if name == JPEG_FLOOR else None,
            }
            rows.append(row)
            vs_alb = (
                f"  vs alb {alb:6.2f}s ratio {row['alb_ratio']:.2f} (<= {TARGET_ALB_MAP})"
                if alb
                else ""
            )
            print(
                f"map  {kind:7s} {name:16s} {t[name]:6.2f}s ({1000 * t[name] / n:5.1f} ms/row)"
                f"  floor[{encoding}] {floor:6.2f}s ratio {row['floor_ratio']:.2f} "
                f"(<= {TARGET_FLOOR}){vs_alb}"
                + (
                    f"  floor+jpeg {row['jpeg_floor_s']:6.2f}s ratio {row['jpeg_floor_ratio']:.2f}"
                    if row["jpeg_floor_s"]
                    else ""
                ),
                flush=True,
            )
    return rows


#: The outputs the encodings section writes: (corruption, source image kind).
ENCODED_OUTPUTS = [
    ("gaussian_noise", "noise"),
    ("gaussian_noise", "diagram"),
    ("gaussian_blur", "diagram"),
    ("contrast", "diagram"),
    ("gaussian_blur", "noise"),
]


def encoders() -> dict[str, Callable[[np.ndarray], bytes]]:
    """Every PNG writer the encodings section times, by column name."""
    import cv2
    from PIL import Image

    def pil(level: int) -> Callable[[np.ndarray], bytes]:
        def fn(a: np.ndarray) -> bytes:
            buf = io.BytesIO()
            Image.fromarray(a).save(buf, format="PNG", compress_level=level)
            return buf.getvalue()

        return fn

    def opencv(level: int) -> Callable[[np.ndarray], bytes]:
        def fn(a: np.ndarray) -> bytes:
            bgr = cv2.cvtColor(a, cv2.COLOR_RGB2BGR)
            return bytes(cv2.imencode(".png", bgr, [cv2.IMWRITE_PNG_COMPRESSION, level])[1])

        return fn

    own = {
        f"{e} (own)": (lambda a, e=e: hc.media.encode_png(a, e))  # type: ignore[misc]
        for e in ("stored", "rle", "huffman")
    }
    return {
        **own,
        "zlib (Pillow 1)": pil(1),
        "Pillow 6 (datasets)": pil(6),
        "OpenCV 1": opencv(1),
        "OpenCV 0": opencv(0),
    }


def section_encodings(size: int, repeats: int) -> list[dict[str, Any]]:
    """ms and KB of each writer on each output, timed round-robin."""
    rows = []
    writers = encoders()
    for name, kind in ENCODED_OUTPUTS:
        out, _ = corruption(name).apply_image(images(kind, size, 1)[0], key=0)
        times: dict[str, list[float]] = {w: [] for w in writers}
        for _ in range(max(repeats, 3)):
            for w, fn in writers.items():
                times[w].append(median_time(lambda fn=fn, out=out: fn(out), 1))
        cells = {
            w: {"ms": 1000 * statistics.median(t), "kb": len(writers[w](out)) / 1000}
            for w, t in times.items()
        }
        label = f"{name.split('_')[-1]}({kind})"
        rows.append({"output": label, "size": size, "writers": cells})
        shown = ", ".join(f"{w} {c['ms']:.1f} ms/{c['kb']:.0f} KB" for w, c in cells.items())
        print(f"png  {label:18s} {shown}", flush=True)
    return rows


def markdown(results: dict[str, Any], command: str) -> str:
    """The pixel tables of docs/performance.md."""
    lines = [
        "## Pixel corruptions",
        "",
        f"Measured by the pixel suite (`{command}`), median of {results['repeats']} runs "
        "taken round-robin.",
        "",
    ]
    if "ops" in results:
        lines += [
            "### Against peers (images/s on the same uint8 RGB arrays)",
            "",
            f"`apply_image` on {results['count']} arrays per cell, each measurement repeating "
            f"its pass over them for at least {MIN_MEASURE_S * 1000:.0f} ms; noise = uniform "
            "random pixels, diagram = white canvas with thin black lines and labels. Severity 3 "
            "(grayscale 5); each peer at the same strength. Target: gaussian_noise >= "
            f"{TARGET_NOISE}x the fastest peer, every other shared op >= {TARGET_SHARED}x.",
            "",
        ]
        lines += table(
            [
                "px",
                "images",
                "corruption",
                "ours /s",
                "albumentationsx /s",
                "augly /s",
                "ratio",
                "target",
                "met",
            ],
            [
                [
                    r["size"],
                    r["images"],
                    r["corruption"],
                    f"{r['images_per_s']['hallucue_corrupt']:.0f}",
                    *(
                        f"{r['images_per_s'][lib]:.0f}" if lib in r["images_per_s"] else "-"
                        for lib in ("albumentationsx", "augly")
                    ),
                    f"{r['ratio_to_fastest_peer']:.2f}" if r["ratio_to_fastest_peer"] else "n/a",
                    f">= {r['target']}" if r["target"] else "-",
                    {True: "yes", False: "no", None: "-"}[r["met"]],
                ]
                for r in results["ops"]
            ],
        )
    if "dataset" in results:
        d = results["dataset"][0]
        lines += [
            "### corrupt_dataset vs albumentationsx in ds.map, and vs the decode+encode floor",
            "",
            f"{d['rows']} rows of {d['size']}x{d['size']} PNG, one process. alb = "
            "albumentationsx inside `ds.map` returning a PIL image that `datasets` encodes "
            f"(target <= {TARGET_ALB_MAP}x); floor = a `ds.map` that decodes each PNG and "
            "re-encodes it with the PNG encoding the corruption's output gets (`png` column: "
            f"`auto` resolved on the first row's output; target <= {TARGET_FLOOR}x). "
            "floor+JPEG (jpeg_compression only) = the same floor plus one JPEG encode and "
            "decode at the corruption's quality, the round trip that is the corruption: "
            "shown beside the target, which stays on the plain floor.",
            "",
        ]
        lines += table(
            [
                "images",
                "corruption",
                "png",
                "ours s",
                "alb s",
                "vs alb",
                "met",
                "floor s",
                "vs floor",
                "met",
                "floor+JPEG s",
                "vs floor+JPEG",
            ],
            [
                [
                    r["images"],
                    r["corruption"],
                    r["encoding"],
                    f"{r['corrupt_s']:.2f}",
                    f"{r['alb_s']:.2f}" if r["alb_s"] else "-",
                    f"{r['alb_ratio']:.2f}" if r["alb_ratio"] else "-",
                    {True: "yes", False: "no", None: "-"}[r["alb_met"]],
                    f"{r['floor_s']:.2f}",
                    f"{r['floor_ratio']:.2f}",
                    "yes" if r["floor_met"] else "no",
                    f"{r['jpeg_floor_s']:.2f}" if r.get("jpeg_floor_s") else "-",
                    f"{r['jpeg_floor_ratio']:.2f}" if r.get("jpeg_floor_ratio") else "-",
                ]
                for r in results["dataset"]
            ],
        )
    if "encodings" in results:
        rows = results["encodings"]
        writers = list(rows[0]["writers"])
        lines += [
            "",
            "### PNG writers on corruption outputs",
            "",
            f"ms / KB to write one {rows[0]['size']} px output, median of "
            f"{max(results['repeats'], 3)}; own = this library's writer.",
            "",
        ]
        lines += table(
            ["output", *writers],
            [
                [r["output"]]
                + [
                    f"{r['writers'][w]['ms']:.1f} ms / {r['writers'][w]['kb']:.0f} KB"
                    for w in writers
                ]
                for r in rows
            ],
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks pixels",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--sections", default="ops,dataset")
    parser.add_argument("--sizes", default="256,512,1024", help="image sides for the ops section")
    parser.add_argument("--count", type=int, default=8, help="arrays per ops cell")
    parser.add_argument("--n", type=int, default=60, help="rows for the dataset section")
    parser.add_argument("--size", type=int, default=512, help="image side for the dataset section")
    parser.add_argument("--repeats", type=int, default=3, help="runs per measurement (median)")
    parser.add_argument("--cache", default=str(Path(tempfile.gettempdir()) / "hallucue-bench"))
    parser.add_argument("--json", help="write the results as JSON here")
    parser.add_argument("--write", help="write the pixel tables into this report")
    args = parser.parse_args(argv)
    cache = Path(args.cache)
    cache.mkdir(parents=True, exist_ok=True)
    sections = set(args.sections.split(","))
    results: dict[str, Any] = {"machine": machine(), "repeats": args.repeats, "count": args.count}
    if "ops" in sections:
        sizes = [int(s) for s in args.sizes.split(",")]
        results["ops"] = section_ops(sizes, args.repeats, args.count)
    if "dataset" in sections:
        results["dataset"] = section_dataset(args.n, args.size, args.repeats, cache)
    if "encodings" in sections:
        results["encodings"] = section_encodings(args.size, args.repeats)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2))
    if args.write:
        command = "python -m benchmarks pixels " + " ".join(
            argv if argv is not None else sys.argv[1:]
        )
        write_report(Path(args.write), markdown(results, command.strip()), suite="pixels")
    return 0
