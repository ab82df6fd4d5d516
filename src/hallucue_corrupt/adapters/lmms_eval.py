"""lmms-eval adapter: evaluate any lmms-eval task clean and under corruption.

- :func:`corrupted_task` wraps one lmms-eval task (a registered name, a YAML path or a
  config dict) into a new :class:`~lmms_eval.api.task.ConfigurableTask`: the base task's own
  ``process_docs`` runs first, then the pipeline corrupts the split (keyed on the row index,
  which is lmms-eval's ``doc_id``, or on ``key_column``), and every logged sample carries
  its record in ``hallucue``.
- :func:`corrupted_tasks` does the same for names of groups and tags (one task per
  subtask) and, with ``variants=True``, for the clean task and each corruption of the
  pipeline (:func:`hallucue_corrupt.evalsets.eval_variants`).
- :func:`write_task_dir` writes such variants as YAML files (``include:`` of the base YAML)
  plus a hooks module, for ``lmms-eval --include_path`` (``hallucue lmms-eval-tasks``).
- :func:`load_samples` reads lmms-eval ``--log_samples`` output into report rows.

Checked against lmms-eval 0.7.3. lmms-eval is imported only by the functions that build
tasks; :func:`load_samples` reads JSON files and works without it.
"""

from __future__ import annotations

import json
import logging
import os
import pprint
import re
import tempfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .. import records
from ..fields import FieldError
from ..pipeline import Pipeline

__all__ = [
    "BENCHMARK_COLUMNS",
    "RECORD_COLUMN",
    "Columns",
    "CorruptDocs",
    "WithRecord",
    "columns_for",
    "corrupted_task",
    "corrupted_tasks",
    "load_samples",
    "task_hooks",
    "variant_name",
    "write_task_dir",
]

logger = logging.getLogger("hallucue_corrupt")

#: The column every corrupted doc, logged sample and records line carries.
RECORD_COLUMN = "hallucue"


@dataclass(frozen=True)
class Columns:
    """Which doc fields hold the image and the question text of a benchmark's tasks."""

    image: str | None
    text: str | None


#: The benchmarks of the paper, by lmms-eval task-name prefix, with the fields their
#: ``doc_to_visual`` / ``doc_to_text`` read in lmms-eval 0.7.3. MathVerse builds its prompt
#: from ``query_wo`` (``shot_type: format-prompt``), not from ``question``.
BENCHMARK_COLUMNS: dict[str, Columns] = {
    "mathvista": Columns(image="decoded_image", text="question"),
    "mathverse": Columns(image="image", text="query_wo"),
    "wemath": Columns(image="image_path", text="question"),
    "mathvision": Columns(image="decoded_image", text="question"),
}


def columns_for(task_name: str) -> Columns | None:
    """The known columns of a task by its name's prefix (``mathvista_testmini_format`` ->
    MathVista's), or ``None``."""
    for prefix in sorted(BENCHMARK_COLUMNS, key=len, reverse=True):
        if task_name == prefix or task_name.startswith(prefix + "_"):
            return BENCHMARK_COLUMNS[prefix]
    return None


def variant_name(pipeline: Pipeline) -> str:
    """``clean`` for a ratio-0 pipeline, else the corruption names joined by ``-``."""
    if pipeline.ratio == 0:
        return "clean"
    return "-".join(c.name for c in pipeline.corruptions)


class CorruptDocs:
    """A ``process_docs`` hook: the base task's own ``process_docs`` (if any), then the
    pipeline over the split; optionally writes ``doc_id`` -> record JSONL.

    Holds the pipeline as its config and builds it per call. Errors name the task, and
    the library's own messages name the sample and field.
    """

    def __init__(
        self,
        pipeline: Mapping[str, Any],
        *,
        task: str,
        image_column: str | None,
        text_column: str | None,
        key_column: str | None = None,
        base: Callable[[Any], Any] | None = None,
        records_dir: str | Path | None = None,
    ) -> None:
        self.pipeline = dict(pipeline)
        self.task = task
        self.image_column = image_column
        self.text_column = text_column
        self.key_column = key_column
        self.base = base
        self.records_dir = None if records_dir is None else str(records_dir)

    def __call__(self, dataset: Any) -> Any:
        from ..dataset import corrupt_dataset

        if self.base is not None:
            dataset = self.base(dataset)
        if RECORD_COLUMN in dataset.column_names:
            raise FieldError(
                f"task {self.task!r}: the docs already have a {RECORD_COLUMN!r} column"
            )
        try:
            out = corrupt_dataset(
                dataset,
                Pipeline.from_config(self.pipeline),
                image_column=self.image_column,
                text_column=self.text_column,
                key_column=self.key_column,
                desc=f"hallucue: {self.task}",
            )
        except (ValueError, KeyError, TypeError) as exc:  # FieldError and MediaError too
            error = FieldError if isinstance(exc, FieldError) else ValueError
            raise error(f"task {self.task!r}: {exc}") from exc
        if self.records_dir is not None:
            _write_records(out[RECORD_COLUMN], records_path(self.records_dir, self.task))
        return out


class WithRecord:
    """A ``process_results`` hook: the base task's result dict plus the doc's record."""

    def __init__(self, base: Callable[..., Mapping[str, Any]], *, task: str) -> None:
        self.base = base
        self.task = task

    def __call__(self, doc: Mapping[str, Any], results: Any, **kwargs: Any) -> dict[str, Any]:
        out = dict(self.base(doc, results, **kwargs))
        if RECORD_COLUMN not in doc:
            raise FieldError(
                f"task {self.task!r}: a doc has no {RECORD_COLUMN!r} field "
                "(was the hallucue process_docs replaced?)"
            )
        out[RECORD_COLUMN] = records.loads(doc[RECORD_COLUMN])
        return out


class _BaseHook:
    """One ``process_docs``/``process_results`` of a base task YAML, loaded on first use
    (the YAML's ``!function`` modules are imported then, as lmms-eval does)."""

    def __init__(self, yaml_path: str, field: str) -> None:
        self.yaml_path = yaml_path
        self.field = field
        self._fn: Callable[..., Any] | None = None

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if self._fn is None:
            from lmms_eval.utils import load_yaml_config

            fn = load_yaml_config(self.yaml_path, mode="full").get(self.field)
            if not callable(fn):
                raise TypeError(f"{self.yaml_path}: {self.field} is not a function: {fn!r}")
            self._fn = fn
        return self._fn(*args, **kwargs)


def records_path(records_dir: str | Path, task: str) -> Path:
    """Where :class:`CorruptDocs` writes a task's records: ``<dir>/<task>.jsonl``."""
    return Path(records_dir) / f"{task}.jsonl"


def _records_dir(config: Mapping[str, Any], records_dir: str | Path | None) -> str | None:
    """``records_dir`` made absolute, or ``None`` when the task processes several splits:
    ``process_docs`` is not told which split it gets, so the file could hold the wrong one."""
    if records_dir is None:
        return None
    keys = ("training_split", "validation_split", "test_split", "fewshot_split")
    splits = {str(config[k]) for k in keys if config.get(k) is not None}
    if len(splits) > 1:
        logger.warning(
            "hallucue: task %r processes splits %s: no records file (the logged samples carry "
            "the records when the task has a process_results)",
            config.get("task"),
            sorted(splits),
        )
        return None
    return str(Path(records_dir).resolve())


def _write_records(column: Sequence[str], path: Path) -> None:
    """``{"doc_id": i, "hallucue": record}`` per line, replaced atomically (every rank of a
    distributed run writes the same bytes)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        for doc_id, raw in enumerate(column):
            fh.write(records.dumps({"doc_id": doc_id, RECORD_COLUMN: records.loads(raw)}) + "\n")
    os.replace(tmp, path)


# --------------------------------------------------------------------------- task building


def _task_manager(task_manager: Any, include_path: Any = None) -> Any:
    if task_manager is not None:
        return task_manager
    from lmms_eval.tasks import TaskManager

    return TaskManager(include_path=include_path)


def _leaves(
    task: str | Path | Mapping[str, Any], task_manager: Any, mode: str = "full"
) -> list[tuple[str, str, dict[str, Any]]]:
    """``(name, yaml_path, config)`` of every leaf task behind a name, YAML or dict; in
    ``simple`` mode ``!function`` values stay unresolved (no task module is imported)."""
    from lmms_eval.utils import load_yaml_config

    if isinstance(task, Mapping):
        config = dict(task)
        if not isinstance(config.get("task"), str):
            raise ValueError("a task config dict needs a string 'task' name")
        return [(config["task"], "", config)]
    text = str(task)
    if text.endswith((".yaml", ".yml")) or Path(text).is_file():
        path = Path(text).resolve()
        if not path.is_file():
            raise FileNotFoundError(f"task YAML {text!r} does not exist")
        simple = load_yaml_config(str(path), mode="simple")
        if isinstance(simple.get("task"), list):  # a group file: its subtasks by name
            return [leaf for sub in simple["task"] for leaf in _leaves(sub, task_manager, mode)]
        config = simple if mode == "simple" else load_yaml_config(str(path), mode="full")
        return [(str(config["task"]), str(path), config)]
    tm = task_manager
    index = tm.task_index
    if text not in index:
        raise ValueError(f"lmms-eval task {text!r} is not registered (pass include_path?)")
    entry = index[text]
    if entry["type"] == "task":
        return [(text, entry["yaml_path"], load_yaml_config(entry["yaml_path"], mode=mode))]
    if entry["type"] == "tag":
        return [leaf for sub in entry["task"] for leaf in _leaves(sub, tm, mode)]
    if entry["type"] == "group":
        subtasks = load_yaml_config(entry["yaml_path"], mode="simple")["task"]
        out = []
        for sub in subtasks:
            if not isinstance(sub, str):
                raise ValueError(
                    f"group {text!r} defines a subtask inline ({sub!r:.60}); "
                    "wrap the subtask by its own name or YAML"
                )
            out += _leaves(sub, tm, mode)
        return out
    raise ValueError(f"lmms-eval task {text!r} is a {entry['type']}, which cannot be wrapped")


def _resolve_columns(
    name: str, image_column: str | None, text_column: str | None, pipeline: Pipeline
) -> tuple[str | None, str | None]:
    known = columns_for(name)
    image = image_column if image_column is not None else (known.image if known else None)
    text = text_column if text_column is not None else (known.text if known else None)
    given = {"image": image, "text": text}
    for kind, names in pipeline.requirements().items():
        if given[kind] is None:
            raise ValueError(
                f"task {name!r}: {names[0]} needs the {kind} field and the task's columns "
                f"are not known; pass {kind}_column"
            )
    return image, text


def _dataset_override(config: dict[str, Any], dataset_path: str | Path | None) -> None:
    """Point the task at local data: an existing path is made absolute (lmms-eval does not
    resolve ``dataset_path`` against the YAML), a ``save_to_disk`` folder is read with
    ``load_from_disk``, and the hub ``token`` option is dropped."""
    if dataset_path is None:
        return
    path = Path(dataset_path)
    kwargs = dict(config.get("dataset_kwargs") or {})
    if path.exists():
        config["dataset_path"] = str(path.resolve())
        kwargs.pop("token", None)
        if (path / "dataset_dict.json").exists():
            kwargs["load_from_disk"] = True
    else:
        config["dataset_path"] = str(dataset_path)
    config["dataset_kwargs"] = kwargs or None


def _variant_config(
    base_name: str,
    base: Mapping[str, Any],
    name: str,
    variant: str,
    pipeline: Pipeline,
    records_dir: str | None,
) -> dict[str, Any]:
    config = {
        k: v for k, v in base.items() if k not in ("tag", "group", "group_alias", "task_alias")
    }
    config["task"] = name
    metadata = dict(base.get("metadata") or {}) if isinstance(base.get("metadata"), dict) else {}
    metadata[RECORD_COLUMN] = {
        "base_task": base_name,
        "variant": variant,
        "records_dir": records_dir,
        "pipeline": pipeline.to_config(),
    }
    config["metadata"] = metadata
    return config


def corrupted_task(
    task: str | Path | Mapping[str, Any],
    pipeline: Pipeline,
    *,
    image_column: str | None = None,
    text_column: str | None = None,
    key_column: str | None = None,
    dataset_path: str | Path | None = None,
    name: str | None = None,
    task_manager: Any = None,
    include_path: str | Sequence[str] | None = None,
    records_dir: str | Path | None = None,
) -> Any:
    """One lmms-eval ``ConfigurableTask``: ``task`` evaluated on ``pipeline``'s corruption.

    ``task`` is a registered task name (through ``task_manager``, default a new
    ``TaskManager(include_path=...)``), a task YAML path or a config dict; a group or tag
    is an error (use :func:`corrupted_tasks`). Columns default to
    :data:`BENCHMARK_COLUMNS` by task name. ``dataset_path`` points the task at local data.
    The task is named ``name`` (default ``<task>__<variant>``, see :func:`variant_name`):
    built-in names win over new ones in lmms-eval, so a variant never reuses its base name.
    Every logged sample carries the doc's record in ``hallucue``, also under
    ``--predict_only``; ``records_dir`` also writes ``<task>.jsonl`` there (``doc_id`` ->
    record, for tasks processing one split).
    """
    tm = None if isinstance(task, Mapping) else _task_manager(task_manager, include_path)
    leaves = _leaves(task, tm)
    if len(leaves) != 1:
        raise ValueError(
            f"{task!s} is a group of {len(leaves)} tasks ({', '.join(n for n, _, _ in leaves)}); "
            "use corrupted_tasks"
        )
    base_name, _, base = leaves[0]
    return _build_task(
        base_name,
        base,
        pipeline,
        name=name or f"{base_name}__{variant_name(pipeline)}",
        image_column=image_column,
        text_column=text_column,
        key_column=key_column,
        dataset_path=dataset_path,
        records_dir=records_dir,
    )


def _build_task(
    base_name: str,
    base: Mapping[str, Any],
    pipeline: Pipeline,
    *,
    name: str,
    image_column: str | None,
    text_column: str | None,
    key_column: str | None,
    dataset_path: str | Path | None,
    records_dir: str | Path | None,
) -> Any:
    import tenacity
    from lmms_eval.api.task import ConfigurableTask

    image, text = _resolve_columns(base_name, image_column, text_column, pipeline)
    rdir = _records_dir(base, records_dir)
    config = _variant_config(base_name, base, name, variant_name(pipeline), pipeline, rdir)
    _dataset_override(config, dataset_path)
    config["process_docs"] = CorruptDocs(
        pipeline.to_config(),
        task=name,
        image_column=image,
        text_column=text,
        key_column=key_column,
        base=base.get("process_docs"),
        records_dir=rdir,
    )
    try:
        task_obj = ConfigurableTask(config=config)
    except tenacity.RetryError as exc:  # lmms-eval retries loading 5 times: show the cause
        cause = exc.last_attempt.exception()
        raise (cause if cause is not None else exc) from None
    # On the instance, so that --predict_only (which drops the config's process_results)
    # and tasks scored by metric_list alone still log the record.
    task_obj.process_results = WithRecord(task_obj.process_results, task=name)
    return task_obj


def corrupted_tasks(
    tasks: str | Path | Mapping[str, Any] | Iterable[str | Path | Mapping[str, Any]],
    pipeline: Pipeline,
    *,
    variants: bool = True,
    image_column: str | None = None,
    text_column: str | None = None,
    key_column: str | None = None,
    dataset_path: str | Path | None = None,
    task_manager: Any = None,
    include_path: str | Sequence[str] | None = None,
    records_dir: str | Path | None = None,
) -> list[Any]:
    """Tasks for every leaf task behind ``tasks`` (groups and tags expanded): with
    ``variants=True`` the clean task and one per corruption of ``pipeline`` (ratio 1, plus
    all of them together when there are several), else ``pipeline`` as it is."""
    items = [tasks] if isinstance(tasks, (str, Path, Mapping)) else list(tasks)
    needs_tm = any(not isinstance(t, Mapping) for t in items)
    tm = _task_manager(task_manager, include_path) if needs_tm else None
    out = []
    for item in items:
        for base_name, _, base in _leaves(item, tm):
            for pipe in _pipelines(pipeline, variants):
                out.append(
                    _build_task(
                        base_name,
                        base,
                        pipe,
                        name=f"{base_name}__{variant_name(pipe)}",
                        image_column=image_column,
                        text_column=text_column,
                        key_column=key_column,
                        dataset_path=dataset_path,
                        records_dir=records_dir,
                    )
                )
    return out


def _pipelines(pipeline: Pipeline, variants: bool) -> list[Pipeline]:
    from ..evalsets import eval_variants

    return list(eval_variants(pipeline).values()) if variants else [pipeline]


# --------------------------------------------------------------------------- task folders

HOOKS_MODULE = "hallucue_hooks"


def task_hooks(tasks: Mapping[str, Mapping[str, Any]], records_dir: str | Path) -> dict[str, Any]:
    """The hooks of a generated task folder: ``process_docs__<task>`` and
    ``process_results__<task>`` for each entry of ``tasks`` (what ``hallucue_hooks.py``
    embeds: base YAML, pipeline config and columns per task)."""
    hooks: dict[str, Any] = {}
    for name, spec in tasks.items():
        base_yaml = spec["base_yaml"]
        hooks[f"process_docs__{name}"] = CorruptDocs(
            spec["pipeline"],
            task=name,
            image_column=spec["image_column"],
            text_column=spec["text_column"],
            key_column=spec.get("key_column"),
            base=_BaseHook(base_yaml, "process_docs") if spec.get("base_process_docs") else None,
            records_dir=records_dir if spec.get("records") else None,
        )
        if spec.get("base_process_results"):
            hooks[f"process_results__{name}"] = WithRecord(
                _BaseHook(base_yaml, "process_results"), task=name
            )
    return hooks


_HOOKS_SOURCE = '''"""lmms-eval task hooks, written by `hallucue lmms-eval-tasks`.

Each task YAML includes its base task and points process_docs (and process_results) here.
Records are written to records/ beside this file when lmms-eval loads a task.
"""

from pathlib import Path

from hallucue_corrupt.adapters.lmms_eval import task_hooks

TASKS = {tasks}

globals().update(task_hooks(TASKS, records_dir=Path(__file__).resolve().parent / "records"))
'''


def write_task_dir(
    tasks: str | Iterable[str],
    pipeline: Pipeline,
    out_dir: str | Path,
    *,
    image_column: str | None = None,
    text_column: str | None = None,
    key_column: str | None = None,
    dataset_path: str | Path | None = None,
    task_manager: Any = None,
    include_path: str | Sequence[str] | None = None,
) -> dict[str, Any]:
    """Write a folder for ``lmms-eval --include_path``: one YAML per (leaf task, variant),
    ``hallucue_hooks.py`` and ``manifest.json``; returns the manifest.

    Each YAML ``include:``s its base task's YAML by absolute path and overrides ``task``,
    ``process_docs``, ``process_results`` (when the base has one; otherwise records reach
    the report through ``records/``), ``metadata`` and, with ``dataset_path``, the data.
    """
    import yaml

    out = Path(out_dir).resolve()
    out.mkdir(parents=True, exist_ok=True)
    names = [tasks] if isinstance(tasks, str) else list(tasks)
    tm = _task_manager(task_manager, include_path)
    specs: dict[str, dict[str, Any]] = {}
    files: dict[str, str] = {}
    for requested in names:
        for base_name, base_yaml, base in _leaves(requested, tm, mode="simple"):
            if not base_yaml:
                raise ValueError(f"task {base_name!r} has no YAML file of its own to include")
            for pipe in _pipelines(pipeline, variants=True):
                variant = variant_name(pipe)
                name = f"{base_name}__{variant}"
                image, text = _resolve_columns(base_name, image_column, text_column, pipe)
                specs[name] = {
                    "base_task": base_name,
                    "base_yaml": base_yaml,
                    "pipeline": pipe.to_config(),
                    "image_column": image,
                    "text_column": text,
                    "key_column": key_column,
                    "base_process_docs": base.get("process_docs") is not None,
                    "base_process_results": base.get("process_results") is not None,
                    "records": _records_dir(base, out / "records") is not None,
                }
                rdir = str(out / "records") if specs[name]["records"] else None
                config = _variant_config(base_name, base, name, variant, pipe, rdir)
                doc: dict[str, Any] = {"include": base_yaml, "task": name}
                group = _tag_stem(requested)
                doc["tag"] = [f"hallucue__{group}", f"hallucue__{group}__{variant}"]
                doc["metadata"] = config["metadata"]
                data = {k: v for k, v in base.items() if k in ("dataset_path", "dataset_kwargs")}
                _dataset_override(data, dataset_path)
                if dataset_path is not None:
                    doc.update(data)
                files[name] = _yaml_with_functions(
                    yaml.safe_dump(doc, sort_keys=False, allow_unicode=True),
                    process_docs=f"{HOOKS_MODULE}.process_docs__{name}",
                    process_results=(
                        f"{HOOKS_MODULE}.process_results__{name}"
                        if specs[name]["base_process_results"]
                        else None
                    ),
                )
    for name, text in files.items():
        (out / f"{name}.yaml").write_text(text, encoding="utf-8")
    (out / f"{HOOKS_MODULE}.py").write_text(
        _HOOKS_SOURCE.format(tasks=pprint.pformat(specs, width=96)), encoding="utf-8"
    )
    manifest = {
        "pipeline": pipeline.to_config(),
        "tasks": {
            name: {k: spec[k] for k in ("base_task", "pipeline", "image_column", "text_column")}
            for name, spec in specs.items()
        },
        "tags": sorted({f"hallucue__{_tag_stem(r)}" for r in names}),
    }
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return manifest


def _tag_stem(requested: str) -> str:
    """The name a requested task, group, tag or YAML path gives its variants' tags."""
    return Path(requested).stem if requested.endswith((".yaml", ".yml")) else requested


def _yaml_with_functions(text: str, **functions: str | None) -> str:
    """YAML text plus ``key: !function module.fn`` lines (safe_dump cannot write tags)."""
    lines = [f"{key}: !function {fn}" for key, fn in functions.items() if fn]
    return text + "\n".join(lines) + "\n"


# --------------------------------------------------------------------------- logs -> report

_SAMPLES = re.compile(r"^(?P<date>.+?)_samples_(?P<task>.+)\.jsonl$")
#: What lmms-eval itself writes in a logged sample (the rest are process_results' fields).
_LOGGED = frozenset(
    {"doc_id", "doc", "target", "arguments", "input", "resps", "filtered_resps"}
    | {"token_counts", "doc_hash", "input_media"}
)
#: Keys of a per-sample metric dict that hold the 0/1 score, in the order tried.
SCORE_KEYS = ("true_false", "score", "correct", "acc", "scores")


def _score(value: Any, where: str) -> float:
    if isinstance(value, Mapping):
        for key in SCORE_KEYS:
            if key in value:
                return _score(value[key], f"{where}.{key}")
        raise ValueError(f"{where}: no score among {', '.join(SCORE_KEYS)} in {value!r:.120}")
    if isinstance(value, list) and len(value) == 1:
        return _score(value[0], where)
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, (int, float)) and float(value) in (0.0, 1.0):
        return float(value)
    raise ValueError(f"{where}: {value!r:.80} is not a 0/1 score; pass --metric")


def _metric_names(config: Mapping[str, Any]) -> list[str]:
    return [
        m["metric"]
        for m in config.get("metric_list") or []
        if isinstance(m, Mapping) and isinstance(m.get("metric"), str)
    ]


def _join(config: Mapping[str, Any], task: str) -> dict[int, Any] | None:
    """``doc_id`` -> record from the records file of a hallucue task, else ``None``."""
    meta = (config.get("metadata") or {}).get(RECORD_COLUMN)
    if not isinstance(meta, Mapping) or not meta.get("records_dir"):
        return None
    path = records_path(meta["records_dir"], task)
    if not path.exists():
        raise FileNotFoundError(
            f"task {task!r}: its samples carry no record and the records file {str(path)!r} "
            "is missing"
        )
    joined = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        joined[int(row["doc_id"])] = row[RECORD_COLUMN]
    return joined


def _sample_files(path: Path) -> list[Path]:
    """The latest samples file per (folder, task) under ``path`` (or ``path`` itself)."""
    if path.is_file():
        return [path]
    latest: dict[tuple[Path, str], tuple[str, Path]] = {}
    for file in sorted(path.rglob("*_samples_*.jsonl")):
        m = _SAMPLES.match(file.name)
        if m is None:
            continue
        key = (file.parent, m["task"])
        if key not in latest or m["date"] > latest[key][0]:
            latest[key] = (m["date"], file)
    return [file for _, file in sorted(latest.values(), key=lambda x: str(x[1]))]


def load_samples(path: str | Path, *, metric: str | None = None) -> list[dict[str, Any]]:
    """Report rows from lmms-eval ``--log_samples`` output: a samples ``.jsonl`` or a folder
    (``--output_path``; the latest run per model folder and task).

    Each row: ``id`` (``<benchmark>/<record key or doc_id>``, shared by a task's variants),
    ``correct`` (from ``metric``, default the task's first metric in the row; a dict metric
    gives its ``true_false``/``score``/``correct``/``acc``/``scores``), ``hallucue`` (from
    the row, or joined on ``doc_id`` with the records file), ``benchmark`` (the base task),
    ``task``, ``doc_id`` and ``model`` (the run's model name, else its ``--model``).
    """
    root = Path(path)
    if not root.exists():
        raise FileNotFoundError(f"lmms-eval output {str(root)!r} does not exist")
    files = _sample_files(root)
    if not files:
        raise FileNotFoundError(f"no lmms-eval *_samples_<task>.jsonl files under {str(root)!r}")
    rows: list[dict[str, Any]] = []
    for file in files:
        m = _SAMPLES.match(file.name)
        if m is None:
            raise ValueError(f"{str(file)!r} is not named <date>_samples_<task>.jsonl")
        task = m["task"]
        results = file.with_name(f"{m['date']}_results.json")
        config: Mapping[str, Any] = {}
        model = file.parent.name
        if results.exists():
            run = json.loads(results.read_text(encoding="utf-8"))
            config = run.get("configs", {}).get(task, {})
            model = run.get("model_name") or (run.get("config") or {}).get("model") or model
        meta = (config.get("metadata") or {}).get(RECORD_COLUMN) or {}
        benchmark = meta.get("base_task") or task.split("__")[0]
        names = [metric] if metric else _metric_names(config)
        joined: dict[int, Any] | None = None
        for n, line in enumerate(file.read_text(encoding="utf-8").splitlines()):
            if not line.strip():
                continue
            sample = json.loads(line)
            where = f"{file.name} line {n + 1} (doc_id {sample.get('doc_id')})"
            found = next((k for k in names if k in sample), None)
            if found is None and not metric:
                others = [k for k in sample if k not in _LOGGED and k != RECORD_COLUMN]
                found = others[0] if len(others) == 1 else None
            if found in (None, "bypass") and "bypass" in sample:
                raise ValueError(f"{where}: a --predict_only run has no scores to report")
            if found is None:
                fields = [k for k in sample if k not in _LOGGED and k != RECORD_COLUMN]
                raise ValueError(
                    f"{where}: no metric {names} in the row; pass --metric (one of {fields})"
                )
            record = sample.get(RECORD_COLUMN)
            if record is None:
                if joined is None:
                    joined = _join(config, task) or {}
                record = joined.get(int(sample["doc_id"]))
            key = records.loads(record).get("key") if record is not None else None
            rows.append(
                {
                    "id": f"{benchmark}/{key if key is not None else sample['doc_id']}",
                    "correct": _score(sample[found], f"{where}, field {found!r}"),
                    RECORD_COLUMN: records.loads(record) if record is not None else None,
                    "benchmark": benchmark,
                    "task": task,
                    "doc_id": sample["doc_id"],
                    "model": model,
                }
            )
    return rows
