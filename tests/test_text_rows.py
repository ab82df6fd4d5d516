"""The kernel's text path (hallucue_corrupt.text_rows) against the row engine: a text-only
pipeline gives the same texts and records per row whatever the texts, errors, selection and
settings; rows it cannot take (no text, chat messages, errors, placeholder changes) go
through the engine; the first row's check sends a batch to the engine on any mismatch."""

from typing import Any

import pyarrow as pa
import pytest
from datasets import Dataset

import hallucue_corrupt as hc
from hallucue_corrupt.kernel import BatchKernel
from hallucue_corrupt.text_rows import TextRows

from .test_kernel_paths import _check, _counting

TEMPLATE = "Please reason step by step, and put your final answer within \\boxed{}."
TEXTS = [
    "<image>In triangle ABC, AB = 5 and BC = 7. Find AC.\n" + TEMPLATE,
    "<image>In triangle ABC, AB = 6 and BC = 2. Find AC.\n" + TEMPLATE,
    "As shown, AB ∥ CD, ∠1 = 50°, then ∠2 is ()\nChoices:\nA:40°\nB:50°\nC:130°",
    "Hint: Please answer the question and provide the final answer at the end.\n"
    "Question: What is the area of the shaded region? (Unit: cm)",
    "Find x. Round to one decimal place. A. 16;B. 21;C. 32 " + TEMPLATE,
    "如图，AB=3，BC=4，则AC的长为（）。",
    TEMPLATE,  # nothing to remove: applied false
    "",
    "<image><image>Compare the two figures. Which is larger?",
    None,  # no text: the engine records it
    "A rectangle is 3 cm by $4$ cm.\n\nWhat is its area?",
    "Fails here.",  # the Fails corruption below raises on it
    "<image>Adds here.",  # AddsImage below adds a placeholder to it
]


class Fails(hc.TextCorruption):
    """Raises on texts holding ``Fails`` (a broken third-party corruption)."""

    name = "fails_text_rows_test"

    def transform(self, text: str, drawn: Any, ctx: hc.Context) -> tuple[str, dict[str, Any]]:
        if "Fails" in text:
            raise ValueError("boom")
        return text + "!", {}


class AddsImage(hc.TextCorruption):
    """Adds a placeholder to texts holding ``Adds`` (a broken third-party corruption)."""

    name = "adds_image_text_rows_test"

    def transform(self, text: str, drawn: Any, ctx: hc.Context) -> tuple[str, dict[str, Any]]:
        return (text + "<image>" if "Adds" in text else text.replace("ABC", "XYZ")), {}


def _table(texts: list[Any] = TEXTS) -> pa.Table:
    return pa.table(
        {"id": [f"t{i:02d}" for i in range(len(texts))], "problem": texts, "n": range(len(texts))}
    )


def _kernel(corruptions: list[hc.Corruption], **kw: Any) -> tuple[BatchKernel, Any]:
    pipe = hc.Pipeline(corruptions, seed=kw.pop("seed", 5), **kw)
    binding = pipe.bind(text_column="problem", key_column="id", keys=_table().column("id"))
    return BatchKernel(binding, drop_skipped=pipe.on_error == "skip"), binding


TEXT_CORRUPTIONS = sorted(
    name
    for name in hc.list_corruptions()
    if issubclass(hc.registry.get(name), hc.TextCorruption)
    and hc.registry.get(name).apply_row is hc.TextCorruption.apply_row
)


@pytest.mark.parametrize("name", TEXT_CORRUPTIONS)
def test_every_text_corruption_equals_the_row_engine(name):
    kernel, binding = _kernel([hc.make(name)], on_error="keep")
    assert kernel._texts is not None
    calls = _counting(kernel)
    _check(kernel, _table(), binding)
    # the engine ran the first row (the check) and the row without text only
    assert calls == ["t00", "t09"]


@pytest.mark.parametrize("on_error", ["keep", "skip"])
@pytest.mark.parametrize("ratio", [1.0, 0.6])
def test_errors_placeholders_and_selection_go_as_the_engine_says(on_error, ratio):
    corruptions = [Fails(), AddsImage(), hc.make("remove_text"), hc.make("shuffle_conditions")]
    kernel, binding = _kernel(corruptions, on_error=on_error, ratio=ratio)
    assert kernel._texts is not None
    calls = _counting(kernel)
    got = _check(kernel, _table(), binding)
    records = [hc.records.loads(r["hallucue"]) for r in got]
    selected = [r["key"] for r in records if r["selected"]]
    broken = {"t11", "t12"} & set(selected + calls)
    if on_error == "keep":
        assert len(selected) == (len(TEXTS) if ratio == 1.0 else round(0.6 * len(TEXTS)))
        assert {r["key"] for r in records if "error" in r} == broken
    else:
        assert broken and not broken & {r["key"] for r in records}
    # the engine ran the check, the row without text and the broken rows only
    assert set(calls) <= {calls[0], "t09", "t11", "t12"}


def test_the_path_raises_as_the_engine_does():
    kernel, _ = _kernel([Fails()], on_error="raise")
    with pytest.raises(hc.FieldError, match="sample 't11', field 'problem': boom"):
        kernel(_table())


def test_batches_of_any_size_give_the_same_rows():
    kernel, _ = _kernel([hc.make("drop_conditions"), hc.make("remove_text")])
    whole = kernel(_table())
    parts = [kernel(_table().slice(i, 3)) for i in range(0, len(TEXTS), 3)]
    assert pa.concat_tables(parts).equals(whole)


def test_a_mismatch_on_the_first_row_sends_the_batch_to_the_engine():
    kernel, _ = _kernel([hc.make("remove_text")])
    assert kernel._texts is not None
    good = kernel(_table())
    one = kernel._texts._one
    kernel._texts._one = lambda text, key: (  # type: ignore[method-assign]
        None if (done := one(text, key)) is None else (done[0] + " drift", done[1])
    )
    calls = _counting(kernel)
    assert kernel(_table()).equals(good)
    assert len(calls) == len(TEXTS) + 1  # the check, then every row through the engine


def test_chat_messages_go_through_the_engine():
    messages = [[{"role": "user", "content": t}] for t in TEXTS if t]
    ds = Dataset.from_dict({"id": [f"m{i}" for i in range(len(messages))], "problem": messages})
    pipe = hc.Pipeline([hc.make("remove_text")], seed=1)
    binding = pipe.bind(text_column="problem", key_column="id")
    kernel = BatchKernel(binding)
    calls = _counting(kernel)
    _check(kernel, ds.data.table, binding)
    assert len(calls) == len(messages)


def test_the_path_is_off_where_the_rule_says():
    def path(*corruptions: hc.Corruption, image: str | None = None) -> TextRows | None:
        binding = hc.Pipeline(list(corruptions)).bind(
            image_column=image, text_column="problem", key_column="id"
        )
        return TextRows.of(binding)

    assert path(hc.make("remove_text"), hc.make("replace_numbers")) is not None
    assert path(hc.make("remove_text", p=0.5)) is None
    assert path(hc.make("remove_text"), hc.make("blank_image"), image="image") is None
    either = [hc.make("remove_text"), hc.make("remove_choices")]
    assert path(hc.make("one_of", corruptions=either)) is None


def test_corrupt_dataset_takes_the_path_and_matches_the_engine():
    texts = [t for t in TEXTS if t is not None and "Fails" not in t and "Adds" not in t] * 3
    ds = Dataset.from_dict({"id": [f"d{i}" for i in range(len(texts))], "problem": texts})
    pipe = hc.Pipeline([hc.make("remove_text")], seed=2, ratio=0.8)
    out = hc.corrupt_dataset(ds, pipe, text_column="problem", key_column="id", batch_size=5)
    binding = pipe.bind(text_column="problem", key_column="id", dataset=ds)
    rows = [{"problem": t} for t in texts]
    for got, row, key in zip(out, rows, ds["id"], strict=True):
        new, record = binding.apply(row, key, kind="dict")
        assert got["problem"] == new["problem"]
        assert got["hallucue"] == hc.records.dumps(record)
