"""Edge behaviour that a mutation audit found untested (issue 17).

Each test here fails on a plausible one-line mutation of the library that the rest of the
suite let through; docs/reliability.md lists the mutants. They go through public behaviour
(records, decoded pixels, report numbers) so they hold when the internals are rewritten.
"""

from __future__ import annotations

import csv
import io
import json
import math
import typing
from typing import Any

import numpy as np
import pytest
from PIL import Image

import hallucue_corrupt as hc
from hallucue_corrupt.media import ImageRef, PngEncoding, encode_png
from hallucue_corrupt.report import (
    GRID,
    IMAGE_REMOVING,
    bootstrap_ci,
    build_report,
    load_results,
    write_report,
)

from .conftest import png_bytes


def encoded(image: Image.Image) -> bytes:
    buf = io.BytesIO()
    image.save(buf, format="PNG")
    return buf.getvalue()


def decode(value: Any) -> Image.Image:
    """An output image in any form, as a loaded PIL image."""
    if isinstance(value, dict):
        value = value["bytes"]
    if isinstance(value, bytes):
        img = Image.open(io.BytesIO(value))
        img.load()
        return img
    if isinstance(value, np.ndarray):
        return Image.fromarray(value[:, :, 0] if value.ndim == 3 and value.shape[2] == 1 else value)
    return value


def gradient_alpha(size: tuple[int, int] = (40, 24)) -> np.ndarray:
    """An RGBA array whose alpha runs 0-255 across the image (never all opaque)."""
    w, h = size
    rng = np.random.default_rng(5)
    arr = rng.integers(40, 216, (h, w, 4), dtype=np.uint8)
    arr[:, :, 3] = np.linspace(0, 255, w, dtype=np.uint8)[None, :]
    return arr


# -- selection --------------------------------------------------------------------------------


def test_bernoulli_selection_changes_with_the_epoch():
    keys = range(200)
    pipe = hc.Pipeline([hc.make("blank_image")], ratio=0.5, seed=3, selection="bernoulli")
    by_epoch = [[pipe.select(epoch=e)(k) for k in keys] for e in range(3)]
    assert by_epoch[0] != by_epoch[1] != by_epoch[2]
    assert by_epoch[0] == [pipe.select(epoch=0)(k) for k in keys]  # per epoch, fixed
    for chosen in by_epoch:
        assert 60 < sum(chosen) < 140


def test_exact_selection_changes_with_the_epoch_and_keeps_the_count():
    keys = list(range(50))
    pipe = hc.Pipeline([hc.make("blank_image")], ratio=0.3, seed=3)
    sets = [{k for k in keys if pipe.select(keys, epoch=e)(k)} for e in range(3)]
    assert all(len(s) == 15 for s in sets)
    assert sets[0] != sets[1] != sets[2]


# -- the row engine ---------------------------------------------------------------------------


@pytest.mark.parametrize("on_error", ["keep", "skip"])
def test_on_error_returns_the_row_untouched_when_a_later_corruption_fails(on_error):
    text = "<image>Let $x=2$. Find x. Answer step by step."
    row = {"image": b"\x89PNG\r\n\x1a\n broken", "problem": text, "id": 4}
    pipe = hc.Pipeline([hc.make("remove_text"), hc.make("blank_image")], on_error=on_error)
    out, rec = pipe.apply(row, key=4, image_column="image", text_column="problem")
    assert out == row  # the text that remove_text already stripped comes back whole
    assert rec["applied"] is False and rec["corruptions"] == []
    assert (rec["key"], rec["seed"], rec["epoch"], rec["selected"]) == ("4", 0, 0, True)
    assert "field 'image'" in rec["error"] and rec["skipped"] is (on_error == "skip")


class AddImage(hc.TextCorruption):
    """Adds an ``<image>`` placeholder (a broken third-party corruption)."""

    name = "add_image_mutant_test"

    def transform(self, text: str, drawn: Any, ctx: hc.Context) -> tuple[str, dict[str, Any]]:
        return text + " <image>", {}


class DropImage(hc.TextCorruption):
    """Removes the ``<image>`` placeholders (a broken third-party corruption)."""

    name = "drop_image_mutant_test"

    def transform(self, text: str, drawn: Any, ctx: hc.Context) -> tuple[str, dict[str, Any]]:
        return text.replace("<image>", ""), {}


@pytest.mark.parametrize("corruption", [AddImage, DropImage])
@pytest.mark.parametrize("with_image", [True, False])
def test_placeholder_count_may_not_change(corruption, with_image):
    row: dict[str, Any] = {"problem": "<image>Find $x$."}
    columns = {"text_column": "problem"}
    if with_image:
        row["image"] = png_bytes(0)
        columns["image_column"] = "image"
    pipe = hc.Pipeline([corruption()])
    with pytest.raises(hc.FieldError, match=r"sample 'k7'.*placeholders"):
        pipe.apply(row, key="k7", **columns)
    # text with no placeholder and no image field: adding one is an error too
    if corruption is AddImage and not with_image:
        with pytest.raises(hc.FieldError, match="from 0 to 1"):
            pipe.apply({"problem": "Find $x$."}, key="k7", text_column="problem")


# -- image corruptions ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ((201, 202, 0, 0), 101),  # mean 100.75: rounds up
        ((200, 201, 0, 0), 100),  # mean 100.25: rounds down
        ((3, 0, 0, 0), 1),  # mean 0.75
    ],
)
def test_blank_mean_fill_rounds_the_mean(values, expected):
    arr = np.asarray(values, np.uint8).reshape(2, 2, 1).repeat(3, axis=2)
    out, rec = hc.make("blank_image", fill="mean").apply_image(Image.fromarray(arr))
    assert rec["fill_rgb"] == [expected] * 3
    assert out.getpixel((1, 1)) == (expected,) * 3


@pytest.mark.parametrize("sigma", [0.03, 0.08])
@pytest.mark.parametrize("form", ["pil", "bytes", "array"])
def test_gaussian_noise_has_the_recorded_sigma(sigma, form):
    gray = Image.new("RGB", (96, 96), (128, 128, 128))
    value: Any = {"pil": gray, "bytes": encoded(gray), "array": np.asarray(gray)}[form]
    out, rec = hc.make("gaussian_noise", sigma=sigma).apply_image(value, key=3)
    assert rec["sigma"] == sigma
    diff = (np.asarray(decode(out), np.float64) - 128) / 255
    # 27648 samples, no clipping this far from 0 and 1: the std is within 3% of sigma
    assert diff.std() == pytest.approx(sigma, rel=0.03)
    assert abs(diff.mean()) < sigma / 20


def test_gaussian_noise_severity_sigma_is_the_recorded_one():
    gray = Image.new("L", (128, 128), 128)
    out, rec = hc.make("gaussian_noise", severity=1).apply_image(gray, key=0)
    diff = (np.asarray(out, np.float64) - 128) / 255
    assert diff.std() == pytest.approx(rec["sigma"], rel=0.03)


def test_shuffle_conditions_never_returns_the_identity_order():
    text = "Let $x=2$. Let $y=3$. Find $x+y$."
    shuffle = hc.make("shuffle_conditions")
    for key in range(40):
        out, rec = shuffle.apply_text(text, key=key)
        assert rec["applied"] is True and out != text
        assert rec["order"] != sorted(rec["order"])
        assert out == "Let $y=3$. Let $x=2$. Find $x+y$."


def test_shuffle_conditions_moves_every_order_but_the_identity():
    text = "Let $a=1$. Let $b=2$. Let $c=3$. Find $a+b+c$."
    orders = {
        tuple(hc.make("shuffle_conditions").apply_text(text, key=k)[1]["order"]) for k in range(80)
    }
    assert (0, 1, 2) not in orders and len(orders) == 5


# -- media: alpha and channels ----------------------------------------------------------------


@pytest.mark.parametrize("mode", ["L", "LA", "P", "RGB", "RGBA"])
def test_png_header_mode_is_the_decoded_mode(mode):
    img = Image.fromarray(gradient_alpha()).convert(mode)
    data = encoded(img)
    assert ImageRef(data).mode == Image.open(io.BytesIO(data)).mode == mode
    assert ImageRef({"bytes": data, "path": None}).mode == mode
    out, rec = hc.make("blank_image").apply_image(data)
    assert decode(out).mode == mode and rec["before"]["mode"] == mode == rec["after"]["mode"]


@pytest.mark.parametrize("encoding", typing.get_args(PngEncoding))
@pytest.mark.parametrize("mode", ["L", "LA", "RGB", "RGBA"])
def test_png_encodings_are_lossless(mode, encoding):
    img = Image.fromarray(gradient_alpha()).convert(mode)
    back = decode(encode_png(img, encoding))
    assert back.mode == mode
    assert np.array_equal(np.asarray(back), np.asarray(img))


@pytest.mark.parametrize(
    "name", ["gaussian_noise", "contrast", "gaussian_blur", "jpeg_compression"]
)
@pytest.mark.parametrize("form", ["pil", "bytes", "array"])
def test_pixel_corruptions_keep_the_alpha_channel(name, form):
    arr = gradient_alpha()
    img = Image.fromarray(arr)
    value: Any = {"pil": img, "bytes": encoded(img), "array": arr}[form]
    out, rec = hc.make(name, severity=3).apply_image(value, key=1)
    back = decode(out)
    assert back.mode == "RGBA" and rec["after"]["mode"] == "RGBA"
    assert np.array_equal(np.asarray(back)[:, :, 3], arr[:, :, 3])


def test_pixel_corruptions_keep_la_alpha():
    img = Image.fromarray(gradient_alpha()).convert("LA")
    out, _ = hc.make("gaussian_noise").apply_image(img, key=0)
    assert out.mode == "LA"
    assert np.array_equal(np.asarray(out.getchannel("A")), np.asarray(img.getchannel("A")))


@pytest.mark.parametrize("donor_form", ["bytes", "dict", "pil"])
def test_random_image_keeps_an_hxwx1_array_hxwx1(donor_form):
    donors = [Image.fromarray(gradient_alpha((6 + i, 5))).convert("L") for i in range(4)]
    pool = {
        "bytes": [encoded(d) for d in donors],
        "dict": [{"bytes": encoded(d), "path": None} for d in donors],
        "pil": donors,
    }[donor_form]
    src = np.zeros((5, 7, 1), np.uint8)
    out, rec = hc.make("random_image").apply_image(src, key=0, pool=pool)
    donor = np.asarray(donors[int(rec["donor_key"])])
    assert isinstance(out, np.ndarray) and out.shape == (*donor.shape, 1)
    assert np.array_equal(out[:, :, 0], donor)


# -- records and report -----------------------------------------------------------------------


def test_summarize_effective_ratio_counts_applied_rows():
    pipe = hc.Pipeline([hc.make("replace_numbers")], ratio=1.0)
    texts = ["Let $x=2$. Find x.", "Find x.", "Find y.", "Let $y=1$. Find y."]
    recs = [pipe.apply({"t": t}, key=i, text_column="t")[1] for i, t in enumerate(texts)]
    summary = hc.records.summarize(recs)
    assert summary["rows"] == summary["selected"] == 4
    assert summary["applied"] == 2 and summary["effective_ratio"] == 0.5
    counts = summary["corruptions"]["replace_numbers"]
    assert (counts["attempted"], counts["applied"]) == (4, 2)


def grid_rows() -> list[dict[str, Any]]:
    """16 rows per grid cell; cell i (S1..S8 in GRID order) has i+1 correct answers."""
    blank = hc.records.dumps(
        {"applied": True, "corruptions": [{"name": "blank_image", "applied": True}]}
    )
    rows = []
    for i, (kind, inp, split) in enumerate(GRID.values()):
        for j in range(16):
            rows.append(
                {
                    "id": f"{split}{j}",
                    "correct": int(j <= i),
                    "model_kind": kind,
                    "split": split,
                    "hallucue": blank if inp == "corrupted" else None,
                }
            )
    return rows


def test_grid_cells_hold_the_documented_conditions():
    grid = build_report(grid_rows(), n_boot=50)["grid"]
    documented = {
        "S1": ("normal", "clean", "train"),
        "S2": ("normal", "corrupted", "train"),
        "S3": ("corrupted", "clean", "train"),
        "S4": ("corrupted", "corrupted", "train"),
        "S5": ("normal", "clean", "test"),
        "S6": ("normal", "corrupted", "test"),
        "S7": ("corrupted", "clean", "test"),
        "S8": ("corrupted", "corrupted", "test"),
    }
    order = list(documented)
    for name, (kind, inp, split) in documented.items():
        cell = grid[name]
        assert (cell["model_kind"], cell["input"], cell["split"]) == (kind, inp, split)
        # rows were built per condition, so the accuracy says which rows the cell read
        assert cell["n"] == 16 and cell["accuracy"] == (order.index(name) + 1) / 16


def test_intervals_are_95_percent_as_the_report_says(tmp_path):
    values = [1.0] * 30 + [0.0] * 70
    default = bootstrap_ci(values, n=2000, seed=1)
    assert default == bootstrap_ci(values, n=2000, seed=1, level=0.95)
    narrow = bootstrap_ci(values, n=2000, seed=1, level=0.90)
    assert default[0] < narrow[0] and narrow[1] < default[1]
    # a binomial with p=0.3, n=100: the 95% interval is about +-1.96 * 0.0458
    assert default[1] - default[0] == pytest.approx(2 * 1.96 * math.sqrt(0.3 * 0.7 / 100), rel=0.1)
    rows = [{"id": i, "correct": v} for i, v in enumerate(values)]
    report = write_report(rows, tmp_path, n_boot=2000, seed=1)
    assert report["accuracy"]["model|clean"]["ci"] == list(bootstrap_ci(values, n=2000, seed=1))
    assert "95% bootstrap interval" in (tmp_path / "report.md").read_text()


@pytest.mark.parametrize("name", ["blank_image", "random_image", "drop_image", "text_only"])
def test_image_removing_corruptions_count_as_solvable_without_the_image(name):
    assert name in hc.list_corruptions() and name in IMAGE_REMOVING
    rec = hc.records.dumps({"applied": True, "corruptions": [{"name": name, "applied": True}]})
    rows = [{"id": i, "correct": int(i < 3), "hallucue": rec} for i in range(4)]
    rows += [{"id": i, "correct": 1, "hallucue": None} for i in range(4)]
    solvable = build_report(rows, n_boot=20)["solvable_without_image"]
    assert solvable["model"]["n"] == 4 and solvable["model"]["accuracy"] == 0.75


def test_image_keeping_corruptions_are_not_solvable_without_the_image():
    rec = hc.records.dumps(
        {"applied": True, "corruptions": [{"name": "gaussian_noise", "applied": True}]}
    )
    rows = [{"id": i, "correct": 1, "hallucue": rec} for i in range(4)]
    assert build_report(rows, n_boot=20)["solvable_without_image"] == {}


# -- seeding: the documented edges of the keyed hashes ------------------------------------------


def test_rng_and_uniform_default_to_epoch_zero_and_use_every_extra():
    from hallucue_corrupt.seeding import derive_seed, make_rng, uniform

    assert uniform(5, "k", "s") == uniform(5, "k", "s", 0) != uniform(5, "k", "s", 1)
    assert make_rng(5, "k", "s").integers(2**62) == make_rng(5, "k", "s", 0).integers(2**62)
    assert make_rng(5, "k", "s", 0, 3).integers(2**62) != make_rng(5, "k", "s", 0).integers(2**62)
    expected = np.random.Generator(np.random.PCG64(derive_seed(5, "k", "s", 0, 3)))
    assert make_rng(5, "k", "s", 0, 3).integers(2**62) == expected.integers(2**62)


def test_exact_threshold_ends_and_tightness():
    from hallucue_corrupt.seeding import derive_seed, exact_threshold, is_selected

    keys = [f"k{i}" for i in range(20)]
    assert exact_threshold(1, keys, 0.0, "s") == 0
    assert exact_threshold(1, keys, 0.01, "s") == 0  # round(0.2) selects nothing
    assert exact_threshold(1, keys, 1.0, "s") == 2**64
    assert exact_threshold(1, keys, 0.99, "s") == 2**64  # round(19.8) is everything
    hashes = sorted(derive_seed(1, k, "s") for k in keys)
    threshold = exact_threshold(1, keys, 0.25, "s")
    assert threshold == hashes[4] + 1  # the smallest threshold that selects 5
    assert sum(is_selected(1, k, "s", 0, threshold) for k in keys) == 5
    assert sum(is_selected(1, k, "s", 0, threshold - 1) for k in keys) == 4
    # a sample whose hash equals the threshold is not selected (strictly below)
    assert not is_selected(1, "k0", "s", 0, derive_seed(1, "k0", "s"))
    assert is_selected(1, "k0", "s", 0, derive_seed(1, "k0", "s") + 1)


def test_replace_numbers_keeps_angles_below_180_and_other_numbers_their_digits():
    angle = "Let $\\angle A = {}^\\circ$. Find $x$."
    plain = "Let $AB = {}$ cm. Find $x$."
    replace = hc.make("replace_numbers")
    angles30 = [
        int(replace.apply_text(angle.format(30), key=k)[1]["number_map"]["30"]) for k in range(60)
    ]
    angles150 = [
        int(replace.apply_text(angle.format(150), key=k)[1]["number_map"]["150"]) for k in range(60)
    ]
    plain30 = [
        replace.apply_text(plain.format(30), key=k)[1]["number_map"]["30"] for k in range(60)
    ]
    # an angle is any plausible angle: sometimes three digits, never 180 or more
    assert all(5 <= a < 180 and a != 30 for a in angles30) and max(angles30) >= 100
    assert all(5 <= a < 180 and a != 150 for a in angles150) and min(angles150) < 100
    # a length keeps its digit count
    assert all(len(n) == 2 and n[0] != "0" and n != "30" for n in plain30)


# -- replay: rows it must hand back clean --------------------------------------------------------


def test_replay_returns_the_clean_row_for_errors_unselected_and_empty_records():
    row = {"image": Image.new("RGB", (4, 4), (1, 2, 3))}
    _, rec = hc.Pipeline([hc.make("blank_image")]).apply(row, key=0, image_column="image")
    assert hc.replay(rec, row, image_column="image")["image"].getpixel((0, 0)) == (255,) * 3
    for changed in ({"error": "boom"}, {"selected": False}, {"error": "boom", "selected": False}):
        out = hc.replay({**rec, **changed}, row, image_column="image")
        assert out == row and out is not row
    bare = {k: v for k, v in rec.items() if k != "corruptions"}
    assert hc.replay(bare, row, image_column="image") == row


# -- records and results files -------------------------------------------------------------------


def test_write_jsonl_makes_parent_folders_and_writes_utf8(tmp_path):
    path = tmp_path / "a" / "b" / "log.jsonl"
    recs = [{"key": "é", "applied": True}, '{"key":"∠","applied":false}']
    assert hc.records.write_jsonl(recs, path) == path
    assert path.read_bytes().decode("utf-8").splitlines() == [
        '{"applied":true,"key":"é"}',
        '{"applied":false,"key":"∠"}',
    ]


RESULTS = [
    {"id": "a", "correct": 1, "note": "two\r\nlines ∠"},
    {"id": "b", "correct": 0, "note": "plain"},
]


def write_results(path: Any) -> None:
    """RESULTS in the format ``path``'s suffix names."""
    suffix = path.suffix.lower()
    if suffix == ".jsonl":
        path.write_text("\n".join(json.dumps(r) for r in RESULTS) + "\n\n", encoding="utf-8")
    elif suffix == ".json":
        path.write_text(json.dumps(RESULTS[0]) + "\n" + json.dumps(RESULTS[1]), encoding="utf-8")
    elif suffix == ".csv":
        with path.open("w", newline="", encoding="utf-8") as fh:
            writer = csv.DictWriter(fh, ["id", "correct", "note"])
            writer.writeheader()
            writer.writerows(RESULTS)
    else:
        import pyarrow as pa
        import pyarrow.parquet as pq

        pq.write_table(pa.Table.from_pylist(RESULTS), path)


@pytest.mark.parametrize("name", ["r.jsonl", "r.json", "r.csv", "r.parquet", "R.CSV"])
def test_results_files_of_every_format_load_alike(tmp_path, name):
    path = tmp_path / name
    write_results(path)
    rows = load_results(path)
    assert [(r["id"], r["correct"], r["note"]) for r in rows] == [
        ("a", 1.0, "two\r\nlines ∠"),  # csv: a quoted newline stays as written
        ("b", 0.0, "plain"),
    ]
    assert all(type(r["correct"]) is float for r in rows)


def test_results_file_errors_name_the_file_and_field(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"results file '.*nope\.jsonl' does not exist"):
        load_results(tmp_path / "nope.jsonl")
    odd = tmp_path / "r.txt"
    odd.write_text("id,correct\n")
    with pytest.raises(ValueError, match=r"unsupported results file '.*r\.txt': use \.jsonl"):
        load_results(odd)
    bad = tmp_path / "r.jsonl"
    bad.write_text(json.dumps({"id": "a", "correct": "yes"}) + "\n")
    with pytest.raises(ValueError, match=r"results row 0, field 'correct': 'yes' is not 0/1"):
        load_results(bad)
    bad.write_text(json.dumps({"id": "a", "correct": 1}) + "\n" + json.dumps({"id": "b"}) + "\n")
    with pytest.raises(KeyError, match=r"results row 1 has no 'correct' column"):
        load_results(bad)


def test_replay_uses_the_recorded_params_and_every_later_entry():
    images = [png_bytes(1), png_bytes(2)]
    row = {"images": images, "problem": "<image><image>Let $x=2$. Find $x$. Answer briefly."}
    pipe = hc.Pipeline([hc.make("blank_image", fill="black"), hc.make("remove_text")], seed=2)
    out, rec = pipe.apply(row, key="s1", image_column="images", text_column="problem")
    assert [e["where"] for e in rec["corruptions"]] == ["images[0]", "images[1]", "problem"]
    again = hc.replay(rec, row, image_column="images", text_column="problem")
    assert again["images"] == out["images"]  # black, as recorded, not the default white
    assert decode(again["images"][1]).getextrema() == ((0, 0), (0, 0), (0, 0))
    assert again["problem"] == out["problem"] != row["problem"]


def test_replay_names_the_sample_and_corruption_it_cannot_replay():
    row = {"image": png_bytes(0)}
    _, rec = hc.Pipeline([hc.make("blank_image")]).apply(row, key="k9", image_column="image")
    with pytest.raises(hc.ReplayError, match=r"sample 'k9': blank_image did not replay"):
        hc.replay(rec, {"img": png_bytes(0)}, image_column="img")


# -- keys, pools and record summaries ----------------------------------------------------------


def test_repeated_keys_name_the_first_repeat_and_where_the_keys_come_from():
    from hallucue_corrupt.selection import check_unique_keys, rank_keys

    keys = [f"k{i:04d}" for i in range(100)]
    for at in (0, 28, 42):  # three copies among 100 keys: the error names the second one
        keys.insert(at, "dup")
    for call in (lambda: check_unique_keys(keys), lambda: rank_keys(keys)):
        with pytest.raises(hc.FieldError, match=r"^row 28: the keys repeats the id 'dup'; ids"):
            call()
    with pytest.raises(hc.FieldError, match=r"^row 2: key column 'id' repeats the id '7'"):
        check_unique_keys([7, 8, "7"], column="id")
    ranked, order = rank_keys(["b", "c", "a"])
    assert list(ranked) == ["a", "b", "c"] and list(order) == [2, 0, 1]


def test_keyed_pool_knows_which_keys_it_holds():
    pool = hc.ListPool([png_bytes(i, (4, 4)) for i in range(3)], ["b", "a", "c"])
    assert [pool.rank_of(k) for k in ("a", "b", "c")] == [0, 1, 2]
    assert pool.rank_of("zz") is None and pool.rank_of("0") is None and pool.rank_of("") is None
    plain = hc.ListPool([png_bytes(i, (4, 4)) for i in range(3)])
    assert [plain.rank_of(k) for k in (0, "2", 3, -1, "x")] == [0, 2, None, None, None]
    _, rec = hc.Pipeline([hc.make("random_image")]).apply(
        {"image": png_bytes(9)}, key="zz", image_column="image", pool=pool
    )
    forged = {**rec, "corruptions": [{**rec["corruptions"][0], "donor_key": "nope"}]}
    with pytest.raises(ValueError, match="donor 'nope' is not in the pool"):
        hc.replay(forged, {"image": png_bytes(9)}, image_column="image", pool=pool)


def test_labels_of_empty_and_bare_records_are_clean():
    assert hc.records.label(None) == hc.records.label("") == "clean"
    assert hc.records.label({"applied": False}) == "clean"
    assert hc.records.label('{"corruptions":[{"name":"a","applied":true}]}') == "a"


def test_summarize_counts_every_entry_kind():
    def entry(name: str, **fields: Any) -> dict[str, Any]:
        return {"name": name, **fields}

    recs = [
        {
            "selected": True,
            "applied": True,
            "corruptions": [
                entry("noise", applied=True, superseded_by="blank"),
                entry("blank", applied=True),
                entry("strip", applied=True, emptied=True),
            ],
        },
        {
            "selected": True,
            "applied": True,
            "corruptions": [
                entry("noise", applied=True, superseded_by="blank"),
                entry("blank", applied=True),
                entry("strip", applied=True, emptied=True),
                entry("numbers", applied=False, reason="no number"),
            ],
        },
        {
            "selected": True,
            "applied": False,
            "corruptions": [entry("numbers", applied=False, reason="no number")],
        },
        {"selected": False, "applied": False},
    ]
    s = hc.records.summarize(recs)
    assert (s["rows"], s["selected"], s["applied"], s["effective_ratio"]) == (4, 3, 2, 0.5)
    assert s["superseded"] == 2 and s["emptied"] == 2
    assert s["corruptions"]["noise"] == {"attempted": 2, "applied": 0, "superseded": 2}
    assert s["corruptions"]["strip"]["applied"] == 2
    assert s["not_applied_reasons"] == {"numbers: no number": 2}
    empty = hc.records.summarize([])
    assert empty["rows"] == 0 and empty["effective_ratio"] == 0.0


def test_donor_pool_errors_say_what_is_wrong(small_ds):
    from hallucue_corrupt.pool import as_pool

    with pytest.raises(hc.FieldError, match=r"row 2: the donor pool repeats the id 'a'"):
        hc.ListPool([png_bytes(i, (4, 4)) for i in range(3)], ["a", "b", "a"])
    with pytest.raises(KeyError, match=r"donor pool has no column 'img': \['id'"):
        hc.DatasetPool(small_ds, "img")
    with pytest.raises(KeyError, match="donor pool has no key column 'uid'"):
        hc.DatasetPool(small_ds, "image", "uid")
    with pytest.raises(ValueError, match=r"^a dataset donor pool needs image_column$"):
        as_pool(small_ds)

    class ColumnsOnly:  # sized, has column names, but no features: not a dataset
        column_names = ("image",)

        def __len__(self) -> int:
            return 1

    for odd, name in ((ColumnsOnly(), "ColumnsOnly"), (5, "int"), (b"x", "bytes")):
        with pytest.raises(TypeError, match=f"cannot use {name} as a donor pool"):
            as_pool(odd, "image")
    assert isinstance(as_pool([png_bytes(0)]), hc.ListPool) and as_pool(None) is None


def test_exact_selection_without_keys_says_how_to_fix_it():
    with pytest.raises(ValueError, match="needs every sample key"):
        hc.Selection(0, 0, 0.5, "exact")("k")
    chosen = hc.Pipeline([hc.make("blank_image")], ratio=0.5).select(range(10))
    assert chosen.mode == "exact" and chosen.needs_keys and chosen.threshold is not None


class Fails(hc.TextCorruption):
    """Raises on every text (a broken third-party corruption)."""

    name = "fails_mutant_test"

    def transform(self, text: str, drawn: Any, ctx: hc.Context) -> tuple[str, dict[str, Any]]:
        raise ValueError("boom")


@pytest.mark.parametrize(
    ("text", "where"),
    [("Find $x$.", "problem"), ([{"role": "user", "content": "Find $x$."}], "problem[0].content")],
)
def test_a_failing_corruption_is_named_once_with_sample_and_field(text, where):
    with pytest.raises(hc.FieldError) as info:
        hc.Pipeline([Fails()]).apply({"problem": text}, key="k1", text_column="problem")
    assert str(info.value) == f"sample 'k1', field {where!r}: boom"


def test_placeholder_errors_name_the_columns_and_counts():
    pipe = hc.Pipeline([AddImage()])
    row = {"img": png_bytes(0), "q": "<image>Find $x$."}
    with pytest.raises(
        hc.FieldError,
        match=r"^sample 'k7': 2 image placeholders in 'q' but 1 images in 'img' after corruption$",
    ):
        pipe.apply(row, key="k7", image_column="img", text_column="q")
    with pytest.raises(
        hc.FieldError,
        match=r"^sample 'k7': a text corruption changed the image placeholders in 'q' from 1 to 2$",
    ):
        pipe.apply({"q": "<image>Find $x$."}, key="k7", text_column="q")


def test_placeholder_check_covers_rows_without_images_and_spares_rows_that_never_matched():
    # an image field holding no image, a text with no placeholder: adding one is an error
    with pytest.raises(hc.FieldError, match="1 image placeholders in 'q' but 0 images"):
        hc.Pipeline([AddImage()]).apply(
            {"img": [], "q": "Find $x$."}, key=1, image_column="img", text_column="q"
        )
    # a row whose counts never agreed (two placeholders, one image) is not the engine's to judge
    row = {"img": png_bytes(0), "q": "<image><image>Let $x=2$. Find $x$."}
    out, rec = hc.Pipeline([hc.make("remove_text")]).apply(
        row, key=1, image_column="img", text_column="q"
    )
    assert rec["applied"] and out["q"].count("<image>") == 2


def test_record_holds_seed_epoch_key_and_version():
    pipe = hc.Pipeline([hc.make("blank_image")], seed=5)
    _, rec = pipe.apply({"i": png_bytes(0)}, key=np.int64(17), image_column="i", epoch=3)
    assert (rec["seed"], rec["epoch"], rec["key"]) == (5, 3, "17")
    assert rec["version"] == hc.__version__ and rec["config_hash"] == pipe.config_hash
    assert set(rec) == {
        "applied", "selected", "key", "seed", "epoch", "version", "config_hash", "corruptions"
    }  # fmt: skip


def test_missing_fields_are_named():
    row = {"i": png_bytes(0), "t": "Let $x=2$. Find $x$."}
    with pytest.raises(ValueError, match=r"^remove_text needs the text field: pass text_column$"):
        hc.Pipeline([hc.make("remove_text")]).apply(row, key=3, image_column="i")
    with pytest.raises(hc.FieldError, match=r"^sample '3': no column 'nope'$"):
        hc.Pipeline([hc.make("remove_text")]).apply(row, key=3, text_column="nope")
    with pytest.raises(ValueError, match=r"^not a hallucue record: '\[1\]'$"):
        hc.records.loads("[1]")


def test_skipped_entries_and_composite_choices():
    skipped = hc.Pipeline([hc.make("blank_image", p=0.01)])
    rec = skipped.apply({"i": png_bytes(0)}, key=0, image_column="i")[1]
    assert rec["corruptions"][0]["applied"] is False
    assert rec["corruptions"][0]["reason"] == "skipped by p=0.01"
    mix = hc.make("one_of", corruptions=[hc.make("blank_image"), hc.make("gaussian_noise")])
    pipe = hc.Pipeline([hc.make("remove_text"), mix], seed=1)
    row = {"i": png_bytes(0), "t": "Let $x=2$. Find $x$."}

    def chosen(key: int, epoch: int) -> str:
        rec = pipe.apply(row, key=key, image_column="i", text_column="t", epoch=epoch)[1]
        first, second = rec["corruptions"]
        assert "via" not in first and second["via"] == "one_of"
        return str(second["name"])

    by_epoch = [[chosen(k, e) for k in range(12)] for e in (0, 1)]
    assert by_epoch[0] != by_epoch[1]  # a composite draws again each epoch


def test_encode_images_returns_new_images_as_datasets_dicts():
    row = {"i": Image.new("RGB", (4, 4), (5, 6, 7))}
    out, _ = hc.Pipeline([hc.make("blank_image")]).apply(
        row, key=0, image_column="i", encode_images=True
    )
    assert set(out["i"]) == {"bytes", "path"} and decode(out["i"]).getpixel((0, 0)) == (255,) * 3


def test_replay_of_an_entry_without_params_uses_the_defaults():
    row = {"i": Image.new("RGB", (4, 4), (5, 6, 7))}
    _, rec = hc.Pipeline([hc.make("blank_image", fill="black")]).apply(row, key=0, image_column="i")
    bare = {k: v for k, v in rec["corruptions"][0].items() if k != "params"}
    again = hc.replay({**rec, "corruptions": [bare]}, row, image_column="i")
    assert again["i"].getpixel((0, 0)) == (255, 255, 255)
