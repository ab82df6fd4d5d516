"""The mutation-testing runner (``python -m benchmarks mutation``): its configuration and
argument handling, without running mutmut (a full run takes about an hour; see
docs/reliability.md)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from benchmarks import mutation

ROOT = Path(__file__).resolve().parents[1]


def test_core_modules_come_from_pyproject_and_exist():
    modules = mutation.core_modules()
    for name in ("seeding", "selection", "engine", "records", "report", "pool", "binding"):
        assert name in modules
    assert {"dataset", "media", "functional.image", "functional.text"} <= set(modules)
    assert {"functional.parse", "kernel", "donors", "pcg", "binary"} <= set(modules)
    for path in modules.values():
        assert (ROOT / path).is_file()
    config = mutation.mutmut_config()
    selection = config["pytest_add_cli_args_test_selection"]
    assert "--ignore=tests/test_trl.py" in selection and "--ignore=tests/test_verl.py" in selection


def test_module_names_become_mutant_patterns():
    assert mutation.mutant_globs(["seeding", "functional.image"]) == [
        "hallucue_corrupt.seeding.*",
        "hallucue_corrupt.functional.image.*",
    ]
    with pytest.raises(SystemExit, match=r"unknown module\(s\) \['sedding'\].*seeding"):
        mutation.mutant_globs(["sedding"])
    with pytest.raises(SystemExit, match="unknown module"):
        mutation.main(["--results", "--modules", "nope"])


def test_results_are_counted_per_module_with_equivalents_apart(tmp_path, monkeypatch):
    base = tmp_path / "mutants" / "src" / "hallucue_corrupt"
    (base / "functional").mkdir(parents=True)
    codes = {
        "hallucue_corrupt.seeding.x_a__mutmut_1": 1,
        "hallucue_corrupt.seeding.x_a__mutmut_2": 0,
        "hallucue_corrupt.seeding.x_a__mutmut_3": 0,
        "hallucue_corrupt.seeding.x_a__mutmut_4": 36,
        "hallucue_corrupt.seeding.x_a__mutmut_5": None,
        # judged equivalent, but its tests ran out of time or crashed: not a kill
        "hallucue_corrupt.seeding.x_a__mutmut_6": -24,
        "hallucue_corrupt.seeding.x_a__mutmut_7": -11,
        # mutmut's wall-clock limit (SIGKILL): a timeout
        "hallucue_corrupt.seeding.x_a__mutmut_8": -9,
    }
    (base / "seeding.py.meta").write_text(json.dumps({"exit_code_by_key": codes}))
    image = {"hallucue_corrupt.functional.image.x_b__mutmut_1": 3}
    (base / "functional" / "image.py.meta").write_text(json.dumps({"exit_code_by_key": image}))
    for n in (3, 6, 7):
        monkeypatch.setitem(mutation.EQUIVALENT, f"hallucue_corrupt.seeding.x_a__mutmut_{n}", "why")
    results = mutation.read_results(tmp_path)
    assert results["seeding"] == {
        "killed": 1,
        "survived": 1,
        "equivalent": 3,
        "timeout": 2,
        "not checked": 1,
    }
    assert results["functional.image"] == {"killed": 1}
    assert mutation.survivors(tmp_path) == ["hallucue_corrupt.seeding.x_a__mutmut_2"]
    text = mutation.table(results)
    # seeding: 8 mutants, killed 1 + timeouts 2 of 4 checked non-equivalent ones
    assert "| seeding | 8 | 1 | 1 | 3 | 2 | 1 | 75.0% |" in text
    assert "| **total** | 9 | 2 | 1 | 3 | 2 | 1 | 80.0% |" in text
    assert "seeding" not in mutation.table(results, ["functional.image"])


def test_named_mutants_name_real_files():
    assert len(mutation.NAMED) == 16  # the 15 survivors; the placeholder check in two places
    for mutant in mutation.NAMED:
        assert (ROOT / "src" / "hallucue_corrupt" / mutant.path).is_file()
        assert mutant.old != mutant.new


def test_suite_runs_by_name():
    out = subprocess.run(
        [sys.executable, "-m", "benchmarks", "mutation", "--help"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "python -m benchmarks mutation" in out and "--named" in out


def test_run_times_are_kept_and_shown_in_the_table(tmp_path):
    base = tmp_path / "mutants" / "src" / "hallucue_corrupt"
    base.mkdir(parents=True)
    codes = {f"hallucue_corrupt.kernel.x_a__mutmut_{i}": 1 for i in range(4)}
    (base / "kernel.py.meta").write_text(json.dumps({"exit_code_by_key": codes}))
    assert mutation.read_runs(tmp_path) == {}
    mutation.record_run("kernel", 1510.4, "cmd", True, root=tmp_path)
    mutation.record_run("media", 600, "cmd2", False, root=tmp_path)
    runs = mutation.read_runs(tmp_path)
    assert runs["kernel"] == {"seconds": 1510, "command": "cmd", "stopped": True}
    text = mutation.table(mutation.read_results(tmp_path), runs=runs)
    assert "| kernel | 4 | 4 | 0 | 0 | 0 | 0 | 100.0% | 25* |" in text  # * stopped early
    assert "| **total** | 4 | 4 | 0 | 0 | 0 | 0 | 100.0% | 25 |" in text
    assert "minutes" not in mutation.table(mutation.read_results(tmp_path))
