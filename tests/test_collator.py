"""The rollout collator: group copies agree, epochs resample, schedules apply."""

import pytest

import hallucue_corrupt as hc

from .conftest import png_bytes

POOL = [png_bytes(i, (8, 8)) for i in range(20)]
ROWS = [
    {"id": i, "image": POOL[i], "problem": f"<image>Let $x={i}$. Find x. Answer step by step."}
    for i in range(20)
]


def donors(batch):
    return [hc.records.loads(r["hallucue"])["corruptions"][0].get("donor_key") for r in batch]


def test_copies_of_a_prompt_get_the_same_corruption_wherever_they_land():
    collate = hc.CorruptingCollator(hc.Pipeline([hc.make("random_image")]), pool=hc.ListPool(POOL))
    group = [ROWS[3], ROWS[3], ROWS[7], ROWS[3], ROWS[7], ROWS[7]]
    out = collate(group)
    assert out[0]["image"] == out[1]["image"] == out[3]["image"]
    assert out[2]["image"] == out[4]["image"] == out[5]["image"]
    again = collate([ROWS[7], ROWS[3]])
    assert again[0]["image"] == out[2]["image"] and again[1]["image"] == out[0]["image"]
    assert ROWS[3]["image"] == POOL[3]  # inputs untouched


def test_epochs_resample_unless_fixed():
    pipe = hc.Pipeline([hc.make("random_image")])
    collate = hc.CorruptingCollator(pipe, pool=hc.ListPool(POOL))
    first = donors(collate(ROWS))
    collate.set_epoch(1)
    second = donors(collate(ROWS))
    assert first != second
    collate.set_epoch(0)
    assert donors(collate(ROWS)) == first
    fixed = hc.CorruptingCollator(pipe, pool=hc.ListPool(POOL), epoch_seeded=False)
    fixed.set_epoch(5)
    assert donors(fixed(ROWS)) == first


def test_exact_ratio_uses_the_key_set_and_schedule_changes_it():
    pipe = hc.Pipeline(
        [hc.make("blank_image")],
        ratio=0.25,
        seed=2,
        schedule={"ratio": {"kind": "linear", "start": 0.25, "end": 1.0, "steps": 10}},
    )
    with pytest.raises(ValueError, match="every sample key"):
        hc.CorruptingCollator(pipe)(ROWS)
    collate = hc.CorruptingCollator(pipe, keys=range(20))
    assert sum(r["hallucue"]["applied"] for r in collate(ROWS)) == 5
    collate.set_step(10)
    assert sum(r["hallucue"]["applied"] for r in collate(ROWS)) == 20


def test_paired_views_and_base_collate():
    collate = hc.CorruptingCollator(
        hc.Pipeline([hc.make("remove_text")]),
        text_column="problem",
        image_column=None,
        paired=True,
        base_collate=lambda rows: {"problem": [r["problem"] for r in rows]},
    )
    out = collate(ROWS[:2])
    assert out["clean"]["problem"] == [ROWS[0]["problem"], ROWS[1]["problem"]]
    assert out["corrupted"]["problem"] == ["<image>Answer step by step."] * 2


def test_missing_key_is_a_clear_error():
    collate = hc.CorruptingCollator(hc.Pipeline([hc.make("blank_image")]))
    with pytest.raises(KeyError, match="row 1 of the batch has no key column 'id'"):
        collate([ROWS[0], {"image": POOL[0]}])
