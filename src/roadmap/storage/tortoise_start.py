"""Import Tortoise without two costs of its first import that this application never uses.

``import tortoise`` costs about 0.15 s of CPU, paid by every command that opens the base
(RISKS 15, issue 15). About 40 ms of it goes to two things unused here:

- ``tortoise.validators`` compiles, at import, the Unicode host-name regex of its
  ``validate_domain_name`` (≈ 20 ms); no field of ours uses it: it compiles on first use.
- ``tortoise.models`` reads the source of its own ``Model`` class (``inspect.getsource``:
  tokenize and ast over 70 kB) to find ``#:`` field comments (≈ 20 ms); ``Model`` has no
  field, and our models skip the same search (models/base.py).
- ``tortoise/__init__`` imports ``anyio.from_thread`` (≈ 8 ms: anyio, its synchronisation
  primitives, typing_extensions) for ``run_async`` alone, which this application never
  calls: the module is imported on first use of an attribute.

``install()`` (called by ``roadmap/__init__.py``, costs nothing until then) puts a finder
first on ``sys.meta_path``; when ``tortoise`` is first imported, from whatever module, the
three are deferred while its package runs, then restored, and the finder leaves. Narrow on
purpose: only patterns holding that Unicode range, only classes of ``tortoise.models``, and
only ``from anyio import from_thread`` written in ``tortoise/__init__``.
"""

from __future__ import annotations

import sys

TYPE_CHECKING = False  # not typing's: ``roadmap --version`` imports this module (5 ms)
if TYPE_CHECKING:
    from typing import Any

UNICODE_HOSTS = "\u00a1-\uffff"  # the range in tortoise.validators' host-name regexes


class LazyPattern:
    """A regex compiled on first use; reads like the compiled one."""

    def __init__(self, pattern: str, flags: int) -> None:
        self._args = (pattern, flags)
        self._compiled: Any = None

    def __getattr__(self, name: str) -> Any:
        if self._compiled is None:
            import re

            self._compiled = re.compile(*self._args)
        return getattr(self._compiled, name)


class LazyModule:
    """A module imported on first use of one of its attributes."""

    def __init__(self, name: str) -> None:
        self._name = name

    def __getattr__(self, name: str) -> Any:
        import importlib

        return getattr(importlib.import_module(self._name), name)


class _LazyFromThread:
    """What ``from anyio import from_thread`` finds in ``anyio``, without importing it."""

    from_thread = LazyModule("anyio.from_thread")


class _FirstImport:
    """Finder for ``tortoise`` alone: wraps its package's execution, once."""

    def find_spec(self, name: str, path: Any = None, target: Any = None) -> Any:
        if name != "tortoise":
            return None
        uninstall()
        for finder in sys.meta_path:  # the usual finders, in their order
            find = getattr(finder, "find_spec", None)
            spec = find(name, path, target) if find is not None else None
            if spec is not None:
                break
        else:
            return None
        loader = spec.loader
        if loader is not None and hasattr(loader, "exec_module"):
            run = loader.exec_module
            loader.exec_module = lambda module: _deferred(run, module)
        return spec


def _deferred(run: Any, module: Any) -> None:
    import builtins
    import inspect
    import re

    getsource, compile_, import_ = inspect.getsource, re.compile, builtins.__import__

    def quick_getsource(obj: Any) -> str:
        if getattr(obj, "__module__", None) == "tortoise.models":
            raise OSError("source not read at import (roadmap.storage.tortoise_start)")
        return getsource(obj)

    def quick_compile(pattern: Any, flags: int = 0) -> Any:
        if isinstance(pattern, str) and UNICODE_HOSTS in pattern:
            return LazyPattern(pattern, flags)
        return compile_(pattern, flags)

    def quick_import(
        name: str, globals: Any = None, locals: Any = None, fromlist: Any = (), level: int = 0
    ) -> Any:
        if (
            name == "anyio"
            and fromlist == ("from_thread",)
            and (globals or {}).get("__name__") == "tortoise"
        ):
            return _LazyFromThread
        return import_(name, globals, locals, fromlist, level)

    inspect.getsource, re.compile = quick_getsource, quick_compile  # type: ignore[assignment]
    builtins.__import__ = quick_import
    try:
        run(module)
    finally:
        inspect.getsource, re.compile, builtins.__import__ = getsource, compile_, import_


_FINDER = _FirstImport()


def install() -> None:
    if "tortoise" not in sys.modules and _FINDER not in sys.meta_path:
        sys.meta_path.insert(0, _FINDER)


def uninstall() -> None:
    if _FINDER in sys.meta_path:
        sys.meta_path.remove(_FINDER)
