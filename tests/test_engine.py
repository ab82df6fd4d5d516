"""The redesigned engine: per-position random streams, donor validation, superseded
entries, counts, draw-then-transform with replay, signatures (issue 11's bugs)."""

from __future__ import annotations

import hashlib
import inspect
import io
import logging
import warnings
from typing import Any

import numpy as np
import pytest
from datasets import Dataset, Features, Image, Value
from PIL import Image as PILImage

import hallucue_corrupt as hc
from hallucue_corrupt.features import undecoded

from .conftest import make_dataset, png_bytes

GRAY = np.full((96, 96, 3), 128, dtype=np.uint8)


def _noise_std(pipe: hc.Pipeline, key: int) -> float:
    out, _ = pipe.apply({"image": GRAY}, key=key, image_column="image")
    return float((out["image"].astype(np.float64) - 128).std())


# -- bug 1: a repeated corruption draws its own randomness -------------------------------------


def test_a_repeated_corruption_draws_independently():
    one = hc.Pipeline([hc.make("gaussian_noise", sigma=0.1)])
    two = hc.Pipeline([hc.make("gaussian_noise", sigma=0.1), hc.make("gaussian_noise", sigma=0.1)])
    ratios = [_noise_std(two, k) / _noise_std(one, k) for k in range(4)]
    # independent draws add in quadrature (sqrt 2); the same draw twice doubles the std
    assert all(1.3 < r < 1.55 for r in ratios), ratios
    _, rec = two.apply({"image": GRAY}, key=0, image_column="image")
    first, second = rec["corruptions"]
    assert first["rng_seed"] != second["rng_seed"]


def test_streams_keep_first_occurrences_on_the_bare_name():
    pipe = hc.Pipeline(
        [
            hc.make("occlusion"),
            hc.make("one_of", corruptions=[hc.make("occlusion"), hc.make("patch_shuffle")]),
            hc.make("occlusion"),
        ]
    )
    assert pipe.streams == {
        "0": "occlusion",
        "1.0": "occlusion#1",
        "1.1": "patch_shuffle",
        "2": "occlusion#2",
    }
    # a pipeline without repeats draws exactly as the corruption alone does
    image = PILImage.fromarray(GRAY)
    for name in ("occlusion", "patch_shuffle", "patch_mask", "gaussian_noise"):
        alone, _ = hc.make(name).apply_image(image, seed=5, key="k")
        piped, _ = hc.Pipeline([hc.make(name)], seed=5).apply(
            {"image": image}, key="k", image_column="image"
        )
        assert np.array_equal(np.asarray(alone), np.asarray(piped["image"])), name


def test_draws_are_pinned_to_their_key():
    """Golden pixel digests: the keyed streams of pipelines without repeats must not move."""
    image = PILImage.fromarray(
        np.arange(64 * 64 * 3, dtype=np.uint32).reshape(64, 64, 3).astype(np.uint8)
    )
    got = {}
    for name in ("occlusion", "patch_shuffle", "patch_mask"):
        out, _ = hc.Pipeline([hc.make(name)], seed=1).apply(
            {"image": image}, key="row-7", image_column="image"
        )
        got[name] = hashlib.sha256(np.asarray(out["image"]).tobytes()).hexdigest()[:16]
    assert got == GOLDEN_PIXELS


#: computed with the code before the redesign (0.1.0): the redesign kept these draws
GOLDEN_PIXELS = {
    "occlusion": "5d623b7deb4ba753",
    "patch_shuffle": "842ddc8e70adae70",
    "patch_mask": "1c690f97ba1592f8",
}


# -- bug 2: broken donors are rejected, recorded and named -------------------------------------


def _truncated_png(seed: int) -> bytes:
    data = png_bytes(seed, size=(32, 32))
    return data[: len(data) // 2]


def test_a_truncated_donor_is_never_copied():
    ds = make_dataset(12)
    raw = undecoded(ds, "image").map(
        lambda r, i: {
            "image": {"bytes": _truncated_png(i) if i == 3 else r["image"]["bytes"], "path": None}
        },
        with_indices=True,
    )
    broken = raw[3]["image"]["bytes"]
    rejected = []
    for seed, on_error in enumerate(["keep", "skip"] * 3):
        pipe = hc.Pipeline([hc.make("random_image")], on_error=on_error, seed=seed)
        out = hc.corrupt_dataset(raw, pipe, image_column="image", key_column="id")
        images = undecoded(out, "image")["image"]
        recs = [hc.records.loads(r) for r in out["hallucue"]]
        got = {rec["key"]: img["bytes"] for rec, img in zip(recs, images, strict=True)}
        # no row other than q003 itself holds the broken bytes, and no row was lost
        assert len(got) == 12
        assert [k for k, b in got.items() if b == broken and k != "q003"] == []
        rejected += [e for r in recs for e in r["corruptions"] if e.get("donor_rejected")]
    assert rejected, "over six seeds some row must have drawn the broken donor"
    for entry in rejected:
        assert entry["donor_key"] != "q003"
        assert entry["donor_rejected"][0]["key"] == "q003"
        assert "truncated PNG" in entry["donor_rejected"][0]["reason"]


def test_no_usable_donor_names_the_donors():
    pool = [png_bytes(0), _truncated_png(1), b"not an image at all"]
    rows = [{"image": pool[0]}]
    pipe = hc.Pipeline([hc.make("random_image", max_tries=4)])
    with pytest.raises(hc.FieldError, match=r"sample '0', field 'image'.*no usable donor.*'1'"):
        pipe.apply(rows[0], key=0, image_column="image", pool=pool)


def test_donor_problem_checks():
    from hallucue_corrupt.media import donor_problem

    assert donor_problem(png_bytes(1)) is None
    assert "truncated PNG" in str(donor_problem(_truncated_png(1)))
    assert donor_problem({"bytes": b"garbage", "path": None}) is not None
    assert donor_problem(None) == "no image"
    buf = io.BytesIO()
    PILImage.new("RGB", (8, 8)).save(buf, format="JPEG")
    assert donor_problem(buf.getvalue()) is None
    assert "truncated JPEG" in str(donor_problem(buf.getvalue()[:-2]))
    assert donor_problem(buf.getvalue()[: len(buf.getvalue()) // 2]) is not None


# -- bug 3: stacked image corruptions are counted by what shows --------------------------------


def test_a_replaced_image_corruption_is_superseded():
    with pytest.warns(UserWarning, match="blank_image replaces the image"):
        pipe = hc.Pipeline([hc.make("gaussian_noise"), hc.make("blank_image")])
    _, rec = pipe.apply({"image": GRAY}, key=0, image_column="image")
    noise, blank = rec["corruptions"]
    assert noise["superseded_by"] == "blank_image" and "superseded_by" not in blank
    assert hc.records.label(rec) == "blank_image"
    summary = hc.records.summarize([rec])
    assert summary["superseded"] == 1
    assert summary["corruptions"]["gaussian_noise"] == {
        "attempted": 1,
        "applied": 0,
        "superseded": 1,
    }
    assert summary["corruptions"]["blank_image"]["applied"] == 1


def test_drop_image_supersedes_every_image_of_the_field():
    pipe = hc.Pipeline([hc.make("blank_image"), hc.make("drop_image")])
    row = {"images": [png_bytes(1), png_bytes(2)], "problem": "<image><image>Find x."}
    _, rec = pipe.apply(row, key=0, image_column="images", text_column="problem")
    blanks = [e for e in rec["corruptions"] if e["name"] == "blank_image"]
    assert len(blanks) == 2 and all(e["superseded_by"] == "drop_image" for e in blanks)
    assert hc.records.label(rec) == "drop_image"


def test_no_warning_for_mixes_or_text_before_a_swap():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        hc.Pipeline(
            [hc.make("one_of", corruptions=[hc.make("gaussian_noise"), hc.make("blank_image")])]
        )
        hc.Pipeline([hc.make("remove_text"), hc.make("blank_image")])
        hc.Pipeline([hc.make("blank_image"), hc.make("gaussian_noise")])


# -- bug 5: errors, skips and superseded entries are counted -----------------------------------


def test_skip_warning_tells_where_the_errors_are(caplog):
    ds = undecoded(make_dataset(4), "image").map(
        lambda r, i: {
            "image": {"bytes": b"broken" if i == 1 else r["image"]["bytes"], "path": None}
        },
        with_indices=True,
    )
    pipe = hc.Pipeline([hc.make("blank_image")], on_error="skip")
    with caplog.at_level(logging.WARNING, logger="hallucue_corrupt"):
        out = hc.corrupt_dataset(ds, pipe, image_column="image")
    assert len(out) == 3
    message = caplog.text
    assert "skipped 1 of 4" in message and "cannot decode" in message
    assert "in the log" not in message and "log_path=" in message


# -- draw, then transform; replay --------------------------------------------------------------


def _demo_like(n: int = 6) -> Dataset:
    ds = make_dataset(n)
    return ds.map(
        lambda r, i: {
            "problem": r["problem"] + (" If $AB = 3$ and $BC = 4$, find the area." if i % 2 else "")
        },
        with_indices=True,
    )


def _pipeline_for(name: str) -> hc.Pipeline:
    if name in ("one_of", "some_of"):
        children = [hc.make("occlusion"), hc.make("remove_text"), hc.make("random_image")]
        return hc.Pipeline([hc.make(name, corruptions=children)], seed=4)
    return hc.Pipeline([hc.make(name)], seed=4)


@pytest.mark.parametrize("name", sorted(hc.list_corruptions()))
def test_replay_reproduces_every_corruption_byte_for_byte(name):
    ds = undecoded(_demo_like(), "image")
    pipe = _pipeline_for(name)
    out = hc.corrupt_dataset(ds, pipe, image_column="image", text_column="problem", key_column="id")
    out = undecoded(out, "image")
    for clean, done in zip(ds, out, strict=True):
        row = {"image": clean["image"], "problem": clean["problem"]}
        again = hc.replay(
            done["hallucue"],
            row,
            image_column="image",
            text_column="problem",
            pool=ds,
            key_column="id",
        )
        assert again["problem"] == done["problem"], (name, clean["id"])
        if again["image"] is None or done["image"] is None:
            assert again["image"] == done["image"]
        else:
            assert again["image"]["bytes"] == done["image"]["bytes"], (name, clean["id"])


def test_replay_uses_the_record_not_the_seed():
    pipe = hc.Pipeline([hc.make("random_image")], seed=1)
    pool = [png_bytes(i) for i in range(6)]
    out, rec = pipe.apply({"image": pool[0]}, key=0, image_column="image", pool=pool)
    forged = {**rec, "seed": 999, "corruptions": [{**rec["corruptions"][0], "donor_key": "5"}]}
    again = hc.replay(forged, {"image": pool[0]}, image_column="image", pool=pool)
    assert again["image"] == pool[5] != out["image"]


def test_a_corruption_that_draws_in_transform_cannot_replay():
    @hc.register("draws_late_test")
    class DrawsLate(hc.ImageCorruption):
        def transform(self, image: hc.ImageRef, drawn: Any, ctx: hc.Context) -> Any:
            value = int(ctx.rng().integers(256))
            return np.full((4, 4), value, dtype=np.uint8), {}

    pipe = hc.Pipeline([hc.make("draws_late_test")])
    _, rec = pipe.apply({"image": GRAY}, key=0, image_column="image")
    with pytest.raises(hc.ReplayError, match="must not draw"):
        hc.replay(rec, {"image": GRAY}, image_column="image")


def test_old_style_corrupt_subclasses_get_a_clear_error():
    with pytest.raises(TypeError, match="implement transform"):

        class Old(hc.ImageCorruption):
            def corrupt(self, image: Any, ctx: Any) -> Any:
                return image, {}


# -- public surface ----------------------------------------------------------------------------


def test_signatures_come_from_params():
    sig = inspect.signature(hc.get("gaussian_noise"))
    assert list(sig.parameters) == ["p", "severity", "png", "sigma"]
    assert sig.parameters["severity"].default == 3.0
    assert all(p.kind is inspect.Parameter.KEYWORD_ONLY for p in sig.parameters.values())
    assert "fill" in inspect.signature(hc.get("blank_image")).parameters


def test_third_party_graded_corruption_from_exported_bases():
    from pydantic import Field

    class InvertParams(hc.SeverityParams):
        amount: float | None = Field(None, ge=0, le=1)

    @hc.register("invert_graded_test")
    class Invert(hc.GradedImageCorruption):
        Params = InvertParams
        LEVELS = (0.2, 0.4, 0.6, 0.8, 1.0)
        VALUE = "amount"

        def degrade(self, unit: Any, value: float, rng: Any) -> Any:
            return unit * (1 - value) + (1 - unit) * value, {}

    out, rec = hc.make("invert_graded_test", severity=5).apply_image(np.zeros((4, 4), np.uint8))
    assert out.max() == 255 and rec["amount"] == 1.0 and rec["intensity"] == 1.0


def test_config_errors_name_public_fields_and_suggest():
    with pytest.raises(hc.InvalidParams, match=r"ratoi: unknown field; did you mean 'ratio'"):
        hc.Pipeline.from_config({"ratoi": 0.5, "corruptions": [{"name": "blank_image"}]})
    with pytest.raises(hc.InvalidParams) as info:
        hc.Pipeline.from_config({"corruptions": [{"name": "blank_image", "parmas": {}}]})
    assert "did you mean 'params'" in str(info.value) and "_Corruption" not in str(info.value)
    with pytest.raises(hc.InvalidParams, match=r"fil: unknown field; did you mean 'fill'"):
        hc.make("blank_image", fil="black")


def test_corrupt_dataset_finds_columns_like_the_cli():
    ds = make_dataset(4)
    out = hc.corrupt_dataset(ds, hc.Pipeline([hc.make("remove_text"), hc.make("blank_image")]))
    recs = [hc.records.loads(r) for r in out["hallucue"]]
    assert {e["where"] for r in recs for e in r["corruptions"]} == {"problem", "image"}
    two = Dataset.from_dict(
        {"a": [png_bytes(0)], "b": [png_bytes(1)]},
        features=Features({"a": Image(), "b": Image()}),
    )
    with pytest.raises(hc.FieldError, match=r"several Image columns \['a', 'b'\]; name one"):
        hc.corrupt_dataset(two, hc.Pipeline([hc.make("blank_image")]))
    text_only = Dataset.from_dict({"t": ["x"]}, features=Features({"t": Value("string")}))
    with pytest.raises(hc.FieldError, match="remove_text needs a text column"):
        hc.corrupt_dataset(text_only, hc.Pipeline([hc.make("remove_text")]))


def test_num_rows_with_a_key_column_is_an_error():
    pipe = hc.Pipeline([hc.make("blank_image")], ratio=0.5)
    with pytest.raises(ValueError, match="num_rows= counts row indices"):
        pipe.map_fn("image", key_column="id", num_rows=10)


def test_no_module_level_import_cycles():
    """Each module imports only what sits below it (lazy imports inside functions aside)."""
    import ast
    from pathlib import Path

    root = Path(hc.__file__).parent
    modules = {
        ".".join(p.relative_to(root.parent).with_suffix("").parts).removesuffix(".__init__"): p
        for p in root.rglob("*.py")
    }
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        deps = set()
        for node in ast.parse(path.read_text()).body:  # module level only
            if isinstance(node, ast.ImportFrom) and node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join([*base, *([node.module] if node.module else [])])
                for alias in node.names:
                    sub = f"{target}.{alias.name}"
                    deps.add(sub if sub in modules else target)
        graph[name] = {d for d in deps if d in modules and d not in (name, "hallucue_corrupt")}

    def reaches(start: str, goal: str, seen: set[str]) -> bool:
        for dep in graph[start]:
            if dep == goal or (dep not in seen and reaches(dep, goal, seen | {dep})):
                return True
        return False

    cycles = [name for name in graph if reaches(name, name, {name})]
    assert cycles == []
    assert "hallucue_corrupt.pipeline" in graph and graph["hallucue_corrupt.engine"]
