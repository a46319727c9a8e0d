"""positional_constructor: the same frozen objects as the dataclass's own __init__."""

from __future__ import annotations

from dataclasses import FrozenInstanceError, dataclass, field
from datetime import UTC, datetime

import pytest

from depview.metadata import Person, VersionInfo
from depview.model import PackageId
from depview.records import positional_constructor
from depview.risk.model import Level, Verdict


@pytest.mark.parametrize(
    ("cls", "values"),
    [
        (
            VersionInfo,
            (
                "1.0.0", datetime(2024, 1, 1, tzinfo=UTC), Person("a", "a@x"), "github", True,
                (Person("b"),), {"install": "x"}, {"d": "1"}, {}, "sha512-x", None, ("h",),
                "old", True, "why", False, ("f",), False, "abc",
            ),
        ),
        (Verdict, (PackageId("npm", "a", "1"), Level.HIGH, 70, (), None, None, "a", False, ("c",))),
    ],
)  # fmt: skip
def test_same_object_as_the_init(cls: type, values: tuple[object, ...]) -> None:
    make = positional_constructor(cls)
    built = make(*values)
    assert type(built) is cls and built == cls(*values)
    with pytest.raises(FrozenInstanceError):
        built.__setattr__(next(iter(vars(cls)["__slots__"])), None)
    with pytest.raises(TypeError):
        make(*values[:-1])  # every field is required: no defaults


def test_refuses_classes_it_would_build_wrongly() -> None:
    @dataclass
    class WithDict:
        a: int = 0

    @dataclass(slots=True)
    class Checked:
        a: int = 0
        b: list[int] = field(default_factory=list)

        def __post_init__(self) -> None:
            self.b.append(self.a)

    for cls in (WithDict, Checked, int):
        with pytest.raises(TypeError):
            positional_constructor(cls)
