"""The docs stay true to the code: generated catalogue pages match a fresh run, and the
docs tree links only to files that exist (mkdocs build --strict runs in .ci/run)."""

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_catalogue_pages_are_up_to_date(tmp_path):
    subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "make_docs_catalogue.py"), str(tmp_path)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    committed = ROOT / "docs" / "catalogue"
    fresh = sorted(p.name for p in tmp_path.glob("*.md"))
    assert fresh == sorted(p.name for p in committed.glob("*.md"))
    for name in fresh:
        assert (tmp_path / name).read_text() == (committed / name).read_text(), (
            f"docs/catalogue/{name} is stale: run python scripts/make_docs_catalogue.py"
        )


def test_every_nav_page_and_local_link_exists():
    nav = re.findall(
        r"^\s*-\s*(?:[^:\n]+:\s*)?([\w/]+\.md)\s*$", (ROOT / "mkdocs.yml").read_text(), re.M
    )
    assert "catalogue/blank_image.md" in nav
    for page in nav:
        assert (ROOT / "docs" / page).exists(), page
    for md in [ROOT / "README.md", *(ROOT / "docs").rglob("*.md")]:
        for target in re.findall(r"\]\(([^)#:]+)\)", md.read_text()):
            assert (md.parent / target).exists(), (
                f"{md.relative_to(ROOT)} links to missing {target}"
            )
