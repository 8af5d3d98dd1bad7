"""Shared test fixtures. Tests that need ../shared/data skip with a reason when it is absent."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

# Compiled numba kernels go to a temp folder (kept between runs, so the suite compiles once per
# machine), never beside the sources or into the user's cache. Set before numba is imported.
NUMBA_CACHE = Path(tempfile.gettempdir()) / f"taleforge-tests-numba-{os.getuid()}"
os.environ["NUMBA_CACHE_DIR"] = str(NUMBA_CACHE)

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"

settings.register_profile(
    "taleforge",
    deadline=None,
    max_examples=40,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "taleforge"))


@pytest.fixture(autouse=True)
def _isolated_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Index caches go to a temp folder, never into the user's home or the source tree."""
    monkeypatch.setenv("TALEFORGE_CACHE", str(tmp_path_factory.getbasetemp() / "tf-cache"))


def shared(*parts: str) -> Path:
    p = SHARED_DATA.joinpath(*parts)
    if not p.exists():
        pytest.skip(f"shared data not available: {p} (needs ../shared/data beside the repo)")
    return p
