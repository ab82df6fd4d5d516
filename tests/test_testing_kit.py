"""The test kit (hallucue_corrupt.testing): the contract holds for every registered
corruption, and purpose-built broken corruptions each fail it with a clear message."""

from __future__ import annotations

import itertools
import json
import shutil
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from PIL import Image

import hallucue_corrupt as hc
from hallucue_corrupt.testing import ContractError, check_corruption, registered
from hallucue_corrupt.testing import strategies as hst

ROOT = Path(__file__).resolve().parents[1]
BUILTIN = hc.testing.corruptions_in("hallucue_corrupt")


# -- every built-in corruption holds the contract (this is our own contract test) -----------


@hc.testing.parametrize_corruptions("hallucue_corrupt")
def test_builtin_corruptions_hold_the_contract(corruption):
    check_corruption(corruption, quick=True)


def test_full_contract_with_spawn_on_one_of_each_modality():
    """The non-quick checks (spawned interpreter, every size, bytes of every mode, every
    accepted array layout) on one corruption of each modality; one spawned worker serves all."""
    for name in ("gaussian_noise", "replace_numbers", "render_text_to_image", "one_of"):
        check_corruption(name)


# -- broken corruptions fail with a message naming the property ----------------------------


class GlobalRng(hc.ImageCorruption):
    name = "kit_global_rng_test"

    def transform(self, image, drawn, ctx):
        arr = image.array().astype(np.int16) + np.random.randint(-20, 20, image.array().shape)
        return np.clip(arr, 0, 255).astype(np.uint8), {}


class Mutates(hc.ImageCorruption):
    name = "kit_mutates_test"

    def transform(self, image, drawn, ctx):
        pil = image.pil()
        pil.paste(0, (0, 0, 1, 1))  # the caller's own PIL image
        return pil.copy(), {}


class NotJson(hc.ImageCorruption):
    name = "kit_not_json_test"

    def transform(self, image, drawn, ctx):
        return image, {"strength": np.float32(0.5)}


class DropsPlaceholders(hc.TextCorruption):
    name = "kit_drops_placeholders_test"

    def transform(self, text, drawn, ctx):
        return text.replace("<image>", ""), {}


class DrawsInTransform(hc.TextCorruption):
    name = "kit_draws_in_transform_test"

    def transform(self, text, drawn, ctx):
        return f"{text} ({ctx.rng().integers(100)})", {}  # keyed, but not recorded


class CallOrder(hc.TextCorruption):
    name = "kit_call_order_test"

    calls = itertools.count()

    def transform(self, text, drawn, ctx):
        return f"{text} ({next(self.calls)})", {}


class IgnoresKey(hc.ImageCorruption):
    name = "kit_ignores_key_test"

    def draw(self, image, ctx):
        return {"shift": 3}  # "drawn", but not from ctx.rng(): every key gets the same

    def transform(self, image, drawn, ctx):
        return np.roll(image.array(), drawn["shift"], axis=0), {}


class DropsTemplate(hc.TextCorruption):
    name = "kit_drops_template_test"

    def transform(self, text, drawn, ctx):
        return text.split("\n")[0], {}


class FailsOnTinyImages(hc.ImageCorruption):
    name = "kit_tiny_images_test"

    def transform(self, image, drawn, ctx):
        image.array()[1, 1]  # IndexError on an image one pixel wide or high
        return image, {}


class Unregistered(hc.TextCorruption):
    name = "kit_unregistered"

    def transform(self, text, drawn, ctx):
        return text, {}


@hc.testing.all_corruptions
def test_all_corruptions_covers_the_registry(corruption):
    assert hc.get(corruption.name) is type(corruption)


@pytest.mark.parametrize(
    ("bad", "prop", "message"),
    [
        (GlobalRng, "global_rng", "global RNG state of numpy.random"),
        (Mutates, "mutation", "changed the caller's input in place"),
        (NotJson, "record", "not JSON: Object of type float32"),
        (DropsPlaceholders, "placeholders", "<image> placeholders went from 1 to 0"),
        (DrawsInTransform, "replay", "randomness outside draw()"),
        (CallOrder, "determinism", "same (seed, key, epoch) gave different output"),
        (IgnoresKey, "keys", "all give the same output"),
        (DropsTemplate, "placeholders", "instruction template"),
        (FailsOnTinyImages, "runs", "on image: PIL 1 1x1"),
        (Unregistered, "registered", "decorate it with @hallucue_corrupt.register"),
    ],
)
def test_broken_corruptions_fail_with_a_clear_message(bad, prop, message):
    with registered(*([] if bad is Unregistered else [bad])), pytest.raises(ContractError) as info:
        check_corruption(bad, quick=True)
    assert info.value.prop == prop, str(info.value)
    assert message in str(info.value)
    assert str(info.value).startswith(f"{bad.name}: contract property {prop!r} failed")
    assert isinstance(info.value, AssertionError)


def test_messages_name_the_input():
    with (
        registered(Mutates),
        pytest.raises(ContractError, match=r"on image: PIL RGB 40x32 \(seed=1234, key='k0'"),
    ):
        check_corruption(Mutates, quick=True)


def test_spawn_needs_an_importable_class():
    class Local(hc.TextCorruption):
        name = "kit_local_test"

        def transform(self, text, drawn, ctx):
            return text, {}

    with registered(Local):
        check_corruption(Local, quick=True)
        with pytest.raises(ContractError, match="another process cannot import"):
            check_corruption(Local)
    assert "kit_local_test" not in hc.list_corruptions()  # the registry is restored


class HashSeeded(hc.TextCorruption):
    name = "kit_hash_seeded_test"

    def transform(self, text, drawn, ctx):
        return f"{text} ({hash(text)})", {}  # str hashes differ between interpreters


def test_another_interpreter_catches_process_dependent_output():
    with registered(HashSeeded):
        check_corruption(HashSeeded, quick=True)  # same process: deterministic, replayable
        with pytest.raises(ContractError, match="'spawn' failed on text: question 0") as info:
            check_corruption(HashSeeded)
    assert "different output bytes" in str(info.value)


def test_classes_need_instances_when_params_are_required():
    with pytest.raises(TypeError, match="pass an instance"):
        hc.testing.example_instance(type("Needs", (hc.TextCorruption,), {"Params": Required}))


class Required(hc.Params):
    level: int


# -- strategies and fixtures -----------------------------------------------------------------

SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))


@SETTINGS
@given(value=hst.image_values(), key=hst.keys(), seed=hst.seeds())
def test_image_values_are_images_the_library_reads(value, key, seed):
    ref = hc.ImageRef(value)
    assert min(ref.size) >= 1
    out, rec = hc.make("gaussian_noise").apply_image(value, seed=seed, key=key)
    assert hc.testing.fingerprint(out) == hc.testing.fingerprint(
        hc.make("gaussian_noise").apply_image(value, seed=seed, key=key)[0]
    )
    assert json.loads(json.dumps(rec)) == rec


@SETTINGS
@given(question=hst.questions(), msgs=hst.chat_messages())
def test_questions_and_messages_keep_placeholders(question, msgs):
    template = next(t for t in hc.testing.TEMPLATES if t in question)
    out, _ = hc.make("remove_text").apply_text(question, key=1)
    assert out.count("<image>") == question.count("<image>") and template in out
    pipe = hc.Pipeline([hc.make("replace_numbers")])
    row, rec = pipe.apply({"prompt": msgs}, key=1, text_column="prompt")
    assert [m["role"] for m in row["prompt"]] == [m["role"] for m in msgs]
    assert json.loads(json.dumps(rec)) == rec


def test_array_strategy_covers_what_imageref_accepts():
    accepted = hc.testing.accepted_arrays()
    assert {"uint8 HxW", "uint8 HxWx3", "uint16 HxW"} <= set(accepted)
    for arr in accepted.values():
        hc.ImageRef(arr)


def test_fixtures():
    rows = hc.testing.demo_rows(3)
    assert [r["id"] for r in rows] == hc.load_demo()["id"][:3]
    assert isinstance(rows[0]["image"], Image.Image) and "<image>" in rows[0]["problem"]
    ds = hc.testing.tiny_dataset(6, with_broken=2)
    assert len(ds) == 6 and ds.column_names == ["id", "image", "problem", "answer"]
    keep = hc.Pipeline([hc.make("gaussian_noise")], on_error="keep")
    out = hc.corrupt_dataset(ds, keep, image_column="image", key_column="id")
    errors = [hc.records.loads(r).get("error") for r in out["hallucue"]]
    assert [e is not None for e in errors] == [False] * 4 + [True] * 2
    assert "q004" in errors[4]
    with pytest.raises(ValueError, match="with_broken"):
        hc.testing.tiny_dataset(2, with_broken=3)


def test_old_tiny_qwen_path_warns_and_still_works():
    sys.modules.pop("hallucue_corrupt.adapters.tiny_qwen", None)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        from hallucue_corrupt.adapters.tiny_qwen import build_tiny_qwen2_vl
    assert build_tiny_qwen2_vl is hc.testing.tiny_qwen2_vl
    assert any(issubclass(w.category, DeprecationWarning) for w in caught)


# -- the plugin, from a separate example package ---------------------------------------------

EXAMPLE = ROOT / "examples" / "third_party_corruption"


def run_pytest(*args: str, cwd: Path, env_path: str) -> subprocess.CompletedProcess[str]:
    import os

    env = {**os.environ, "PYTHONPATH": env_path}
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-rA", "-p", "no:cacheprovider", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


def test_third_party_example_package_passes_its_tests_and_the_plugin(tmp_path):
    """The example package, installed from its own pyproject into a temp dir (its source
    removed), passes its tests and, through ``addopts = --hallucue-contract`` and the
    pytest11 entry point, one contract test per corruption it registers."""
    project = tmp_path / "project"
    shutil.copytree(EXAMPLE, project, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    target = tmp_path / "site"
    subprocess.run(
        [
            sys.executable, "-m", "pip", "install", "--quiet", "--no-deps",
            "--no-build-isolation", "--target", str(target), str(project),
        ],
        check=True,
        capture_output=True,
        timeout=600,
    )  # fmt: skip
    shutil.rmtree(project / "src")  # the tests must use the installed package
    result = run_pytest(cwd=project, env_path=str(target))
    assert result.returncode == 0, result.stdout + result.stderr
    for name in ("salt_and_pepper", "mask_numbers"):
        assert f"PASSED hallucue-contract[{name}]" in result.stdout, result.stdout
    assert "PASSED tests/test_plain.py::test_demo_rows_through_a_pipeline" in result.stdout


def test_plugin_reports_a_broken_corruption(tmp_path):
    module = tmp_path / "brokenpkg.py"
    module.write_text(
        "import numpy as np\nimport hallucue_corrupt as hc\n\n"
        "@hc.register('brokenpkg_noise')\nclass Noise(hc.ImageCorruption):\n"
        "    def transform(self, image, drawn, ctx):\n"
        "        return np.random.random(image.array().shape[:2]).astype('float32') * 0, {}\n"
    )
    result = run_pytest(
        "--hallucue-contract", "brokenpkg", "--hallucue-contract-quick",
        cwd=tmp_path, env_path=str(tmp_path),
    )  # fmt: skip
    assert result.returncode == 1, result.stdout + result.stderr
    assert "hallucue-contract[brokenpkg_noise]" in result.stdout
    assert "contract property 'global_rng' failed" in result.stdout
