"""lmms-eval adapter, proven with the real lmms-eval 0.7.3 (offline, CPU).

Local tasks over the bundled demo data run through ``simple_evaluate`` and through
``python -m lmms_eval`` with a tiny Qwen2-VL built offline (tests/lmms_eval_tiny.py); a task
folder shaped like lmms-eval's MathVista (group, ``include:``, its column names) proves
wrapping a registered task.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import ImageFile

pytest.importorskip("torch")
pytest.importorskip("lmms_eval")

from datasets import DatasetDict
from lmms_eval.evaluator import simple_evaluate
from lmms_eval.loggers import EvaluationTracker
from lmms_eval.tasks import TaskManager

import hallucue_corrupt as hc
from hallucue_corrupt import records
from hallucue_corrupt.adapters import lmms_eval as hl
from hallucue_corrupt.cli import main
from hallucue_corrupt.report import build_report, load_results

from .lmms_eval_tiny import TinyQwen2VL

# lmms_eval.api.task sets PIL's global LOAD_TRUNCATED_IMAGES = True when imported; the other
# test modules (collected in the same process) expect PIL's default, False
ImageFile.LOAD_TRUNCATED_IMAGES = False

ROOT = Path(__file__).resolve().parents[1]
#: Demo rows of every type; remove_text does not fire on the last two (vision_only).
ROWS = [0, 4, 8, 11, 15, 17, 22, 23]

UTILS = """
def doc_to_visual(doc):
    return [doc["image"].convert("RGB")]


def doc_to_text(doc):
    return doc["problem"].replace("<image>", "").strip()


def process_results(doc, results):
    return {"exact_match": float(results[0].strip() == doc["answer"])}
"""

TASK = """task: {name}
dataset_path: parquet
dataset_kwargs:
  data_files:
    test: {data}
test_split: test
output_type: generate_until
doc_to_visual: !function utils.doc_to_visual
doc_to_text: !function utils.doc_to_text
doc_to_target: answer
generation_kwargs:
  max_new_tokens: 3
{process_results}metric_list:
  - metric: exact_match
    aggregation: mean
    higher_is_better: true
"""


@pytest.fixture(autouse=True)
def offline(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")


@pytest.fixture(scope="module")
def demo() -> Any:
    return hc.load_demo().select(ROWS)


@pytest.fixture(scope="module")
def task_dir(tmp_path_factory: pytest.TempPathFactory, demo: Any) -> Path:
    """``hc_demo`` (its own process_results) and ``hc_demo_em`` (scored by metric_list
    alone) over the demo rows, as parquet."""
    root = tmp_path_factory.mktemp("lmms_tasks")
    demo.to_parquet(str(root / "demo.parquet"))
    (root / "utils.py").write_text(UTILS)
    line = "process_results: !function utils.process_results\n"
    for name, pr in (("hc_demo", line), ("hc_demo_em", "")):
        (root / f"{name}.yaml").write_text(
            TASK.format(name=name, data=root / "demo.parquet", process_results=pr)
        )
    return root


@pytest.fixture(scope="module")
def task_manager(task_dir: Path) -> Any:
    return TaskManager(include_path=str(task_dir))


def pixels(image: Any) -> np.ndarray:
    return np.asarray(image.convert("RGB"))


def save_logs(results: dict[str, Any], out: Path) -> None:
    """Write ``results`` as ``lmms-eval --output_path out --log_samples`` does."""
    samples = results.pop("samples")
    tracker = EvaluationTracker(output_path=str(out))
    tracker.general_config_tracker.model_name = "tiny"
    tracker.general_config_tracker.model_name_sanitized = "tiny"
    tracker.save_results_aggregated(
        results=results, samples=samples, datetime_str="20260101_000000"
    )
    for task in results["configs"]:
        tracker.save_results_samples(task_name=task, samples=samples[task])


def test_simple_evaluate_sees_corrupted_inputs_and_logs_records(demo, task_manager, tmp_path):
    pipe = hc.Pipeline([hc.make("blank_image"), hc.make("random_image"), hc.make("remove_text")])
    tasks = hl.corrupted_tasks(
        "hc_demo",
        pipe,
        task_manager=task_manager,
        image_column="image",
        text_column="problem",
        key_column="id",
    )
    names = [t.config.task for t in tasks]
    assert names == [
        "hc_demo__clean",
        "hc_demo__blank_image",
        "hc_demo__random_image",
        "hc_demo__remove_text",
        "hc_demo__blank_image-random_image-remove_text",
    ]
    model = TinyQwen2VL()
    results = simple_evaluate(
        model=model, tasks=tasks[:4], task_manager=task_manager, bootstrap_iters=0
    )
    seen = {(s["task"], s["doc_id"]): s for s in model.seen}
    assert len(seen) == 4 * len(ROWS)
    stripped = hc.corrupt_dataset(
        demo, hc.Pipeline([hc.make("remove_text")]), text_column="problem", key_column="id"
    )
    by_id = {row["id"]: row for row in demo}
    for doc_id, row in enumerate(demo):
        clean = seen[("hc_demo__clean", doc_id)]
        assert clean["prompt"] == row["problem"].replace("<image>", "").strip()
        assert np.array_equal(pixels(clean["images"][0]), pixels(row["image"]))

        blank = pixels(seen[("hc_demo__blank_image", doc_id)]["images"][0])
        assert blank.shape == pixels(row["image"]).shape and (blank == 255).all()

        sample = results["samples"]["hc_demo__random_image"][doc_id]
        donor = sample["hallucue"]["corruptions"][0]["donor_key"]
        assert donor != row["id"]
        got = pixels(seen[("hc_demo__random_image", doc_id)]["images"][0])
        assert np.array_equal(got, pixels(by_id[donor]["image"]))
        assert seen[("hc_demo__random_image", doc_id)]["prompt"] == clean["prompt"]

        text = seen[("hc_demo__remove_text", doc_id)]["prompt"]
        assert text == stripped[doc_id]["problem"].replace("<image>", "").strip()
        fired = records.loads(stripped[doc_id]["hallucue"])["applied"]
        assert (text != clean["prompt"]) == fired
        assert np.array_equal(
            pixels(seen[("hc_demo__remove_text", doc_id)]["images"][0]), pixels(row["image"])
        )

    for task in names[:4]:
        logged = results["samples"][task]
        assert [s["doc_id"] for s in logged] == list(range(len(ROWS)))
        for s in logged:
            assert s["hallucue"]["key"] == demo[s["doc_id"]]["id"]
            assert "exact_match" in s
    assert results["results"]["hc_demo__blank_image"]["exact_match,none"] == 0.0

    save_logs(results, tmp_path / "out")
    rows = load_results(tmp_path / "out")
    assert len(rows) == 4 * len(ROWS)
    assert {r["model"] for r in rows} == {"tiny"} and {r["benchmark"] for r in rows} == {"hc_demo"}
    report = build_report(rows, n_boot=50)
    unfired = 2  # remove_text left the vision_only rows as they were: they count as clean
    counts = {k: v["n"] for k, v in report["accuracy"].items()}
    assert counts == {
        "tiny|clean": len(ROWS) + unfired,
        "tiny|blank_image": len(ROWS),
        "tiny|random_image": len(ROWS),
        "tiny|remove_text": len(ROWS) - unfired,
    }
    assert report["gap_clean_minus_corrupted"]["tiny|blank_image"]["n_pairs"] == len(ROWS)


PIPE_YAML = """seed: 3
corruptions:
  - name: blank_image
    params: {fill: black}
  - name: remove_text
"""

PLUGIN_MODELS = 'AVAILABLE_MODELS = {"hallucue_tiny": "TinyQwen2VL"}\n'


def test_cli_task_folder_runs_in_lmms_eval_and_feeds_the_report(task_dir, tmp_path, capsys):
    (tmp_path / "pipe.yaml").write_text(PIPE_YAML)
    tasks = tmp_path / "tasks"
    args = ["lmms-eval-tasks", "--tasks", "hc_demo,hc_demo_em", "--config"]
    args += [str(tmp_path / "pipe.yaml"), "--out", str(tasks), "--include-path", str(task_dir)]
    args += ["--image-column", "image", "--text-column", "problem"]
    assert main(args) == 0
    assert "--tasks hallucue__hc_demo,hallucue__hc_demo_em" in capsys.readouterr().out
    manifest = json.loads((tasks / "manifest.json").read_text())
    variants = ["clean", "blank_image", "remove_text", "blank_image-remove_text"]
    assert sorted(manifest["tasks"]) == sorted(
        f"{b}__{v}" for b in ("hc_demo", "hc_demo_em") for v in variants
    )
    yaml_text = (tasks / "hc_demo__blank_image.yaml").read_text()
    assert f"include: {task_dir / 'hc_demo.yaml'}" in yaml_text
    assert "process_results: !function hallucue_hooks.process_results__hc_demo__blank_image" in (
        yaml_text
    )
    assert "process_results" not in (tasks / "hc_demo_em__blank_image.yaml").read_text()

    # the model class reaches `python -m lmms_eval` as a plugin package
    plugin = tmp_path / "plugin" / "hc_lmms_plugin"
    for sub in ("models", "tasks"):
        (plugin / sub).mkdir(parents=True)
    (plugin / "__init__.py").write_text("")
    (plugin / "tasks" / "__init__.py").write_text("")
    (plugin / "models" / "__init__.py").write_text(PLUGIN_MODELS)
    (plugin / "models" / "hallucue_tiny.py").write_text(
        "from tests.lmms_eval_tiny import TinyQwen2VL  # noqa: F401\n"
    )
    env = {
        **os.environ,
        "LMMS_EVAL_PLUGINS": "hc_lmms_plugin",
        "PYTHONPATH": os.pathsep.join([str(tmp_path / "plugin"), str(ROOT)]),
    }
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "lmms_eval", "--model", "hallucue_tiny"]
    cmd += ["--tasks", "hallucue__hc_demo,hallucue__hc_demo_em", "--include_path", str(tasks)]
    cmd += ["--output_path", str(out), "--log_samples", "--verbosity", "DEBUG"]
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=600, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-3000:] + proc.stdout[-3000:]

    samples = {p.name.split("_samples_")[1][:-6]: p for p in out.rglob("*_samples_*.jsonl")}
    assert sorted(samples) == sorted(manifest["tasks"])
    first = json.loads(samples["hc_demo__blank_image"].read_text().splitlines()[0])
    assert first["hallucue"]["corruptions"][0]["params"]["fill"] == "black"
    assert first["hallucue"]["seed"] == 3
    joined = json.loads(samples["hc_demo_em__blank_image"].read_text().splitlines()[0])
    assert "hallucue" not in joined  # no process_results to wrap: the report joins records/
    assert (tasks / "records" / "hc_demo_em__blank_image.jsonl").exists()

    rep = tmp_path / "report"
    assert main(["report", f"{out}:model_kind=normal,split=test", "--out", str(rep)]) == 0
    report = json.loads((rep / "report.json").read_text())
    n = len(ROWS)
    by_benchmark = {k: v["n"] for k, v in report["by_benchmark"].items()}
    for bench in ("hc_demo", "hc_demo_em"):
        # remove_text leaves the two vision_only rows: clean, or blank_image alone
        assert by_benchmark[f"hallucue_tiny|{bench}|clean"] == n + 2
        assert by_benchmark[f"hallucue_tiny|{bench}|blank_image"] == n + 2
        assert by_benchmark[f"hallucue_tiny|{bench}|remove_text"] == n - 2
        assert by_benchmark[f"hallucue_tiny|{bench}|blank_image+remove_text"] == n - 2
    assert report["grid"]["S5"]["n"] == 2 * (n + 2)
    assert report["grid"]["S6"]["n"] == 2 * (3 * n - 2)
    assert report["grid"]["S1"]["n"] == 0


# A task folder shaped like lmms-eval's MathVista: a group, a template included by its
# subtasks, a hub dataset_path with token, MathVista's column names and a dict metric.
MATHVISTA_UTILS = """
def doc_to_visual(doc):
    return [doc["decoded_image"].convert("RGB")]


def doc_to_text(doc, lmms_eval_specific_kwargs=None):
    kwargs = lmms_eval_specific_kwargs or {}
    return kwargs.get("pre_prompt", "") + doc["question"]


def process_docs(dataset):
    return dataset.filter(lambda doc: doc["pid"] != "skip")


def process_results(doc, results):
    result = {"question_id": doc["pid"], "true_false": results[0].strip() == doc["answer"]}
    return {"llm_as_judge_eval": result, "submission": result}


def aggregate(results):
    return sum(r["true_false"] for r in results) / len(results)
"""

MATHVISTA_TEMPLATE = """dataset_path: AI4Math/MathVista
dataset_kwargs:
  token: True
test_split: testmini
output_type: generate_until
doc_to_visual: !function utils.doc_to_visual
doc_to_text: !function utils.doc_to_text
doc_to_target: "answer"
generation_kwargs:
  max_new_tokens: 3
process_docs: !function utils.process_docs
process_results: !function utils.process_results
metric_list:
  - metric: llm_as_judge_eval
    aggregation: !function utils.aggregate
    higher_is_better: true
metadata:
  version: 0.0
  quick_extract: false
"""


@pytest.fixture(scope="module")
def mathvista_like(tmp_path_factory: pytest.TempPathFactory, demo: Any) -> tuple[Path, Path]:
    """(task folder, save_to_disk data): group ``mathvista_hc`` of ``mathvista_hc_format``
    and ``mathvista_hc_cot``; the template's process_docs drops pid ``skip``."""
    root = tmp_path_factory.mktemp("mathvista_like")
    ds = demo.rename_columns({"image": "decoded_image", "problem": "question"})
    ds = ds.add_column("pid", ["skip" if i == 1 else f"p{i}" for i in range(len(ds))])
    data = root / "data"
    DatasetDict({"testmini": ds}).save_to_disk(str(data))
    tasks = root / "tasks"
    tasks.mkdir()
    (tasks / "utils.py").write_text(MATHVISTA_UTILS)
    (tasks / "_default_template_yaml").write_text(MATHVISTA_TEMPLATE)
    (tasks / "mathvista_hc.yaml").write_text(
        "group: mathvista_hc\ntask:\n  - mathvista_hc_format\n  - mathvista_hc_cot\n"
    )
    for name, pre in (("format", ""), ("cot", "Think. ")):
        (tasks / f"mathvista_hc_{name}.yaml").write_text(
            f"include: _default_template_yaml\ntask: mathvista_hc_{name}\n"
            f"lmms_eval_specific_kwargs:\n  default:\n    pre_prompt: '{pre}'\n"
        )
    return tasks, data


def test_wraps_a_registered_mathvista_shaped_group(mathvista_like, demo, tmp_path):
    tasks_dir, data = mathvista_like
    tm = TaskManager(include_path=str(tasks_dir))
    pipe = hc.Pipeline([hc.make("blank_image"), hc.make("remove_text")])
    with pytest.raises(ValueError, match=r"group of 2 tasks.*mathvista_hc_format"):
        hl.corrupted_task("mathvista_hc", pipe, task_manager=tm, dataset_path=data)

    # MathVista's columns come from the name: decoded_image / question
    tasks = hl.corrupted_tasks(
        "mathvista_hc", pipe, task_manager=tm, dataset_path=data, records_dir=tmp_path / "rec"
    )
    by_name = {t.config.task: t for t in tasks}
    assert sorted(by_name) == sorted(
        f"mathvista_hc_{s}__{v}"
        for s in ("format", "cot")
        for v in ("clean", "blank_image", "remove_text", "blank_image-remove_text")
    )
    bi = by_name["mathvista_hc_cot__blank_image"]
    docs = bi.test_docs()
    assert len(docs) == len(ROWS) - 1  # the base task's process_docs ran first
    assert "skip" not in docs["pid"]
    assert bi.doc_to_text(docs[0]).startswith("Think. ")  # its include and kwargs survive
    assert (pixels(bi.doc_to_visual(docs[0])[0]) == 255).all()
    assert bi.config.metadata["quick_extract"] is False
    assert bi.config.metadata["hallucue"]["base_task"] == "mathvista_hc_cot"
    assert [records.loads(r)["key"] for r in docs["hallucue"]] == [
        str(i) for i in range(len(ROWS) - 1)
    ]
    tr = by_name["mathvista_hc_format__remove_text"].test_docs()
    assert tr[0]["question"] != demo[0]["problem"] and "\\boxed{}" in tr[0]["question"]
    log = (tmp_path / "rec" / "mathvista_hc_format__remove_text.jsonl").read_text()
    assert [json.loads(line)["doc_id"] for line in log.splitlines()] == list(range(len(ROWS) - 1))

    # the same as a task folder, pointed at the local copy
    manifest = hl.write_task_dir(
        "mathvista_hc", pipe, tmp_path / "t", task_manager=tm, dataset_path=data
    )
    assert len(manifest["tasks"]) == 8 and manifest["tags"] == ["hallucue__mathvista_hc"]
    folder = TaskManager(include_path=str(tmp_path / "t"))
    config = folder._get_config("mathvista_hc_format__blank_image")
    assert config["dataset_path"] == str(data) and config["dataset_kwargs"] == {
        "load_from_disk": True
    }
    assert config["process_docs"].image_column == "decoded_image"
    assert config["lmms_eval_specific_kwargs"] == {"default": {"pre_prompt": ""}}
    assert folder._get_tasklist("hallucue__mathvista_hc__blank_image") is not None

    # predict-only drops the task's process_results; the record still reaches the log
    model = TinyQwen2VL()
    results = simple_evaluate(
        model=model, tasks=[bi], task_manager=tm, limit=3, predict_only=True, bootstrap_iters=0
    )
    logged = results["samples"]["mathvista_hc_cot__blank_image"]
    assert [s["hallucue"]["key"] for s in logged] == ["0", "1", "2"]
    assert all("bypass" in s for s in logged)
    assert len(model.seen) == 3

    # (predict_only changed that task object's metrics for good: build it anew)
    bi = hl.corrupted_task(
        "mathvista_hc_cot",
        hc.Pipeline([hc.make("blank_image")]),
        task_manager=tm,
        dataset_path=data,
    )
    assert bi.config.task == "mathvista_hc_cot__blank_image"
    results = simple_evaluate(
        model=TinyQwen2VL(), tasks=[bi], task_manager=tm, limit=3, bootstrap_iters=0
    )
    save_logs(results, tmp_path / "out")
    rows = load_results(tmp_path / "out")
    assert [r["id"] for r in rows] == [
        "mathvista_hc_cot/0",
        "mathvista_hc_cot/1",
        "mathvista_hc_cot/2",
    ]
    assert all(r["correct"] == 0.0 and records.label(r["hallucue"]) == "blank_image" for r in rows)


def test_errors_name_the_task_and_field(task_manager, tmp_path, capsys, monkeypatch):
    import tenacity
    from lmms_eval.api.task import ConfigurableTask

    # lmms-eval retries a failing load 5 times, 2 s apart; the error is the same each time
    monkeypatch.setattr(ConfigurableTask.download.retry, "wait", tenacity.wait_none())
    pipe = hc.Pipeline([hc.make("remove_text")])
    with pytest.raises(ValueError, match=r"task 'hc_demo'.*pass text_column"):
        hl.corrupted_task("hc_demo", pipe, task_manager=task_manager)
    with pytest.raises(Exception, match=r"task 'hc_demo__remove_text'.*'question'"):
        hl.corrupted_task("hc_demo", pipe, task_manager=task_manager, text_column="question")
    with pytest.raises(ValueError, match="not registered"):
        hl.corrupted_task("no_such_task_hc", pipe, task_manager=task_manager)
    (tmp_path / "pipe.yaml").write_text("corruptions:\n  - name: remove_text\n")
    args = ["lmms-eval-tasks", "--tasks", "hc_demo", "--config", str(tmp_path / "pipe.yaml")]
    args += ["--out", str(tmp_path / "t"), "--include-path", str(task_manager.include_path)]
    code = main(args)
    assert code == 2
    assert "task 'hc_demo'" in capsys.readouterr().err


def test_columns_of_the_paper_benchmarks():
    assert hl.columns_for("mathvista_testmini_format") == hl.Columns("decoded_image", "question")
    assert hl.columns_for("mathverse_testmini_vision_only") == hl.Columns("image", "query_wo")
    assert hl.columns_for("wemath_testmini_reasoning") == hl.Columns("image_path", "question")
    assert hl.columns_for("mathvision_testmini") == hl.Columns("decoded_image", "question")
    assert hl.columns_for("mmmu_val") is None


def test_samples_loader_scores_and_errors(tmp_path):
    path = tmp_path / "20260101_000000_samples_mathvision_testmini.jsonl"
    rows = [
        {"doc_id": 0, "mathvision_standard_eval": {"scores": [True]}},
        {"doc_id": 1, "mathvision_standard_eval": {"scores": [False]}},
    ]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    loaded = hl.load_samples(path)
    assert [(r["id"], r["correct"], r["hallucue"]) for r in loaded] == [
        ("mathvision_testmini/0", 1.0, None),
        ("mathvision_testmini/1", 0.0, None),
    ]
    path.write_text(json.dumps({"doc_id": 0, "bypass": 999}) + "\n")
    with pytest.raises(ValueError, match=r"line 1 \(doc_id 0\): a --predict_only run"):
        hl.load_samples(path)
    path.write_text(json.dumps({"doc_id": 0, "a": 1, "b": 0}) + "\n")
    with pytest.raises(ValueError, match=r"pass --metric \(one of \['a', 'b'\]\)"):
        hl.load_samples(path)
    assert hl.load_samples(path, metric="b")[0]["correct"] == 0.0
    path.write_text(json.dumps({"doc_id": 4, "acc": 0.5}) + "\n")
    with pytest.raises(ValueError, match=r"doc_id 4\), field 'acc': 0.5 is not a 0/1 score"):
        hl.load_samples(path)
