"""The pytest plugin (entry point ``pytest11``): ``pytest --hallucue-contract MODULE``
adds one test per corruption ``MODULE`` registers, each running
:func:`~hallucue_corrupt.testing.check_corruption` on it. ``--hallucue-contract-quick``
skips the spawned-process and exhaustive-mode checks.

Loading the plugin costs nothing when the option is absent: the library is imported only
when a contract test is collected.
"""

from __future__ import annotations

from typing import Any

import pytest

__all__ = ["ContractItem"]


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("hallucue", "hallucue_corrupt corruption contract")
    group.addoption(
        "--hallucue-contract",
        action="append",
        default=[],
        metavar="MODULE",
        help="check every corruption MODULE registers against the hallucue contract (repeatable)",
    )
    group.addoption(
        "--hallucue-contract-quick",
        action="store_true",
        help="skip the spawned-process and exhaustive mode/size checks",
    )


class ContractItem(pytest.Item):
    """One corruption's contract check."""

    def __init__(self, *, corruption: Any, quick: bool, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.corruption = corruption
        self.quick = quick

    def runtest(self) -> None:
        from .contract import check_corruption

        check_corruption(self.corruption, quick=self.quick)

    def repr_failure(self, excinfo: Any, style: Any = None) -> str:
        from .contract import ContractError

        if isinstance(excinfo.value, ContractError):
            return str(excinfo.value)
        return str(super().repr_failure(excinfo))

    def reportinfo(self) -> tuple[str, int | None, str]:
        return f"hallucue-contract:{type(self.corruption).__module__}", None, self.name


@pytest.hookimpl(tryfirst=True)  # before -k/-m deselection, so they filter these too
def pytest_collection_modifyitems(
    session: pytest.Session, config: pytest.Config, items: list[pytest.Item]
) -> None:
    modules: list[str] = config.getoption("--hallucue-contract")
    if not modules:
        return
    from .collect import corruptions_in

    quick = bool(config.getoption("--hallucue-contract-quick"))
    for module in modules:
        for name, corruption in corruptions_in(module).items():
            test_id = f"hallucue-contract[{name}]"
            item = ContractItem.from_parent(
                session, name=test_id, nodeid=test_id, corruption=corruption, quick=quick
            )
            items.append(item)
