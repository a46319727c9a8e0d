"""Building frozen slots dataclasses on hot paths, and keeping them out of the collector's way.

A frozen dataclass's generated ``__init__`` sets each field through
``object.__setattr__`` by name (a type look-up and an argument tuple per field).
Where tens of thousands of records are built in one go (decoding the cache,
judging every package) :func:`positional_constructor` makes the same objects for
about a third of the cost. :func:`promote_young_objects` moves records built in
bulk to the collector's oldest generation without a collection walking them.
"""

from __future__ import annotations

import gc
from collections.abc import Callable
from dataclasses import fields, is_dataclass
from typing import Any, TypeVar

__all__ = ["positional_constructor", "promote_young_objects"]

_T = TypeVar("_T")


def positional_constructor(cls: type[_T]) -> Callable[..., _T]:
    """A function building ``cls`` from every field, in declaration order, positionally.

    ``cls`` must be a slots dataclass. The slots are set through their descriptors,
    skipping the generated ``__init__`` (so no defaults and no ``__post_init__``); the
    instance is the same as ``cls(*values)``: equal, and just as frozen.
    """
    if not is_dataclass(cls) or "__slots__" not in vars(cls) or hasattr(cls, "__post_init__"):
        raise TypeError(f"{cls.__name__} is not a slots dataclass without __post_init__")
    names = [f.name for f in fields(cls)]
    setters = {f"_set_{name}": getattr(cls, name).__set__ for name in names}
    body = "".join(f"    _set_{name}(self, {name})\n" for name in names)
    source = f"def make({', '.join(names)}):\n    self = _new(_cls)\n{body}    return self\n"
    namespace: dict[str, Any] = {"_new": object.__new__, "_cls": cls, **setters}
    exec(source, namespace)  # field names of our own dataclass, as dataclasses itself does
    make: Callable[..., _T] = namespace["make"]
    make.__qualname__ = make.__name__ = f"new_{cls.__name__}"
    return make


def promote_young_objects() -> None:
    """Move every object the collector tracks to its oldest generation, without a pass.

    Records decoded or judged in bulk are long-lived and acyclic; left young, the
    collector's next young collection walks all of them only to promote them
    (about 30 ms for a warm run's 2,000 packages). ``gc.freeze()`` then
    ``gc.unfreeze()`` does the same promotion by relinking lists. Skipped when the
    program froze objects itself (``unfreeze`` would undo that).
    """
    if gc.get_freeze_count() == 0:
        gc.freeze()
        gc.unfreeze()
