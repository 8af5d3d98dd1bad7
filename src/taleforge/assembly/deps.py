"""Optional dependencies of the assembly package (DnaChisel, pydna): a missing one is a
one-line error naming the extra to install."""

from __future__ import annotations

import importlib
from types import ModuleType

from taleforge.errors import BackendError

INSTALL_HINT = "install it with: pip install 'taleforge[assembly]'"


def require(module: str) -> ModuleType:
    try:
        return importlib.import_module(module)
    except ImportError:
        raise BackendError(
            f"construct assembly needs the Python package {module.split('.')[0]!r}", hint=INSTALL_HINT
        ) from None
