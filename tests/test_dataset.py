import json

import pytest
from datasets import Dataset, DatasetDict

import hallucue_corrupt as hc
from hallucue_corrupt.fields import count_text_placeholders

from .conftest import dataset_hash, make_dataset


def paper_pipe(ratio: float = 1.0, seed: int = 0) -> hc.Pipeline:
    return hc.Pipeline([hc.make("random_image"), hc.make("remove_text")], ratio=ratio, seed=seed)


def test_features_columns_and_rows_are_preserved(small_ds):
    out = hc.corrupt_dataset(small_ds, paper_pipe(), image_column="image", text_column="problem")
    assert len(out) == len(small_ds)
    expected = dict(small_ds.features)
    expected["hallucue"] = out.features["hallucue"]
    assert out.features == type(out.features)(expected)
    assert out["id"] == small_ds["id"] and out["answer"] == small_ds["answer"]
    assert out["score"] == small_ds["score"]
    assert out[0]["image"].size == small_ds[0]["image"].size  # decodes as before


def test_records_say_what_was_done(small_ds):
    out = hc.corrupt_dataset(small_ds, paper_pipe(), image_column="image", text_column="problem")
    for i, row in enumerate(out):
        rec = hc.records.loads(row["hallucue"])
        assert rec["applied"] and rec["selected"] and rec["key"] == str(i)
        ri, tr = rec["corruptions"]
        assert ri["name"] == "random_image" and ri["where"] == "image" and ri["donor_key"] != str(i)
        assert tr["name"] == "remove_text" and tr["where"] == "problem" and tr["removed"]
        assert rec["version"] == hc.__version__
        assert (
            row["problem"] == "<image>\nAnswer step by step and put the final answer in \\boxed{}."
        )


def test_donor_bytes_are_copied_unchanged(small_ds):
    raw = small_ds.cast_column("image", small_ds.features["image"].__class__(decode=False))
    out = hc.corrupt_dataset(small_ds, hc.Pipeline([hc.make("random_image")]), image_column="image")
    out_raw = out.cast_column("image", small_ds.features["image"].__class__(decode=False))
    for row in out_raw:
        donor = int(json.loads(row["hallucue"])["corruptions"][0]["donor_key"])
        assert row["image"]["bytes"] == raw[donor]["image"]["bytes"]


@pytest.mark.parametrize("ratio", [0.0, 0.25, 0.5, 1 / 3, 1.0])
def test_exact_ratio(ratio):
    ds = make_dataset(13)
    out = hc.corrupt_dataset(
        ds, hc.Pipeline([hc.make("blank_image")], ratio=ratio, seed=3), image_column="image"
    )
    summary = hc.records.summarize(out["hallucue"])
    assert summary["selected"] == summary["applied"] == round(ratio * 13)


def test_bernoulli_ratio_is_per_sample():
    ds = make_dataset(40)
    pipe = hc.Pipeline([hc.make("blank_image")], ratio=0.5, seed=1, selection="bernoulli")
    out = hc.corrupt_dataset(ds, pipe, image_column="image")
    chosen = [hc.records.loads(r)["selected"] for r in out["hallucue"]]
    assert 5 < sum(chosen) < 35
    again = pipe.map_fn(image_column="image")  # no key set needed
    assert [again.binding.selection(i) for i in range(40)] == chosen


def test_same_bytes_for_num_proc_and_batching(small_ds):
    pipe = paper_pipe(ratio=0.5, seed=7)
    kwargs = {"image_column": "image", "text_column": "problem"}
    base = dataset_hash(hc.corrupt_dataset(small_ds, pipe, **kwargs))
    assert dataset_hash(hc.corrupt_dataset(small_ds, pipe, num_proc=2, **kwargs)) == base
    assert dataset_hash(hc.corrupt_dataset(small_ds, pipe, batched=False, **kwargs)) == base
    assert (
        dataset_hash(hc.corrupt_dataset(small_ds, pipe, batch_size=5, num_proc=2, **kwargs)) == base
    )
    assert (
        dataset_hash(hc.corrupt_dataset(small_ds, paper_pipe(ratio=0.5, seed=8), **kwargs)) != base
    )


def test_shuffled_input_with_id_column_gives_the_same_rows(small_ds):
    pipe = paper_pipe(ratio=0.5, seed=2)
    kwargs = {"image_column": "image", "text_column": "problem", "key_column": "id"}
    out = hc.corrupt_dataset(small_ds, pipe, **kwargs)
    shuffled = hc.corrupt_dataset(small_ds.shuffle(seed=11), pipe, num_proc=2, **kwargs)
    by_id = {row["id"]: row for row in shuffled}
    for row in out:
        other = by_id[row["id"]]
        assert row["hallucue"] == other["hallucue"]
        assert row["problem"] == other["problem"]
        assert row["image"].tobytes() == other["image"].tobytes()


def test_user_map_fn_matches_corrupt_dataset(small_ds):
    pipe = paper_pipe(ratio=0.5, seed=4)
    out = hc.corrupt_dataset(small_ds, pipe, image_column="image", text_column="problem")
    fn = pipe.map_fn(image_column="image", text_column="problem", pool=small_ds)
    mine = small_ds.map(fn, with_indices=True, batched=True, num_proc=2)
    assert mine["hallucue"] == out["hallucue"] and mine["problem"] == out["problem"]
    unbatched = small_ds.map(fn, with_indices=True)
    assert unbatched["hallucue"] == out["hallucue"]


def test_map_fn_errors_are_clear(small_ds):
    with pytest.raises(ValueError, match="with_indices=True"):
        small_ds.map(hc.Pipeline([hc.make("blank_image")]).map_fn(image_column="image"))
    with pytest.raises(ValueError, match="pool="):
        paper_pipe().map_fn(image_column="image", text_column="problem")
    with pytest.raises(ValueError, match="text_column"):
        hc.Pipeline([hc.make("remove_text")]).map_fn(image_column="image")
    with pytest.raises(ValueError, match="every sample key"):
        hc.Pipeline([hc.make("blank_image")], ratio=0.5).map_fn(image_column="image")
    with pytest.raises(hc.FieldError, match="no column 'nope'"):
        hc.corrupt_dataset(small_ds, paper_pipe(), image_column="nope", text_column="problem")


def test_multi_image_messages_keep_placeholders(multi_ds):
    pipe = hc.Pipeline([hc.make("random_image"), hc.make("blank_image"), hc.make("remove_text")])
    out = hc.corrupt_dataset(
        multi_ds, pipe, image_column="images", text_column="prompt", num_proc=2
    )
    assert out.features == type(out.features)(
        {**multi_ds.features, "hallucue": out.features["hallucue"]}
    )
    for before, after in zip(multi_ds, out, strict=True):
        assert len(after["images"]) == len(before["images"])
        assert count_text_placeholders(after["prompt"]) == len(after["images"])
        assert after["prompt"][0] == before["prompt"][0]  # system prompt untouched
        assert after["prompt"][1]["content"].endswith("Think step by step.")
        rec = hc.records.loads(after["hallucue"])
        wheres = [e["where"] for e in rec["corruptions"]]
        n = len(before["images"])
        assert wheres[:n] == [f"images[{i}]" for i in range(n)]
        assert wheres[-1] == "prompt[1].content"
        for img in after["images"]:
            assert img.getextrema() == ((255, 255), (255, 255), (255, 255))


def test_trl_style_content_parts(small_ds):
    rows = [
        {
            "prompt": [
                {
                    "role": "user",
                    "content": [
                        {"type": "image", "text": None},
                        {"type": "text", "text": f"Let $a={i}$. Find $2a$. Answer step by step."},
                    ],
                }
            ],
            "image": small_ds[i]["image"],
        }
        for i in range(4)
    ]
    ds = Dataset.from_list(rows)
    original = [dict(r) for r in rows]
    out = hc.corrupt_dataset(ds, hc.Pipeline([hc.make("remove_text")]), text_column="prompt")
    for row in out:
        parts = row["prompt"][0]["content"]
        assert parts[0]["type"] == "image"
        assert parts[1]["text"] == "Answer step by step."
    assert rows == original


def test_keep_original_and_jsonl_log(small_ds, tmp_path):
    log = tmp_path / "log.jsonl"
    out = hc.corrupt_dataset(
        small_ds,
        hc.Pipeline([hc.make("blank_image"), hc.make("remove_text")]),
        image_column="image",
        text_column="problem",
        keep_original=True,
        log_path=log,
    )
    assert out["problem_original"] == small_ds["problem"]
    assert out.features["image_original"] == small_ds.features["image"]
    assert out[0]["image_original"].tobytes() == small_ds[0]["image"].tobytes()
    lines = log.read_text().splitlines()
    assert [json.loads(line) for line in lines] == [json.loads(r) for r in out["hallucue"]]


def test_dataset_dict_per_split(small_ds):
    dd = DatasetDict({"train": small_ds, "test": make_dataset(5)})
    out = hc.corrupt_dataset(dd, paper_pipe(), image_column="image", text_column="problem")
    assert set(out) == {"train", "test"} and len(out["test"]) == 5
    for row in out["test"]:
        assert int(hc.records.loads(row["hallucue"])["corruptions"][0]["donor_key"]) < 5


def test_record_column_clash_is_an_error(small_ds):
    out = hc.corrupt_dataset(small_ds, hc.Pipeline([hc.make("blank_image")]), image_column="image")
    with pytest.raises(ValueError, match="already exists"):
        hc.corrupt_dataset(out, hc.Pipeline([hc.make("blank_image")]), image_column="image")


def test_cached_maps_depend_on_the_code(monkeypatch):
    """A cached map made by other code at the same version is never reused."""
    from hallucue_corrupt import dataset as driver

    ds = make_dataset(4)
    pipe = hc.Pipeline([hc.make("blank_image")])
    binding = pipe.bind(image_column="image", dataset=ds)
    fn = hc.MapFunction(binding)
    before = driver._fingerprint(ds, binding, fn)
    assert before == driver._fingerprint(ds, binding, fn)
    monkeypatch.setattr(driver, "_library_source_hash", lambda: "edited")
    assert driver._fingerprint(ds, binding, fn) != before


def test_emptied_texts_are_warned_once(caplog):
    ds = make_dataset(3).map(lambda r: {"problem": "<image>Find $x$ if $y = 2$."})
    with caplog.at_level("WARNING", logger="hallucue_corrupt"):
        out = hc.corrupt_dataset(ds, hc.Pipeline([hc.make("remove_text")]), text_column="problem")
    assert out["problem"] == ["<image>"] * 3
    messages = [r.getMessage() for r in caplog.records if "emptied" in r.getMessage()]
    assert len(messages) == 1 and "3 row(s)" in messages[0]
