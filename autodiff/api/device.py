"""Devices by PyTorch's names: ``ad.device("cuda")`` and ``ad.cuda.is_available()``, so the
idiom ``device = ad.device("cuda" if ad.cuda.is_available() else "cpu")`` runs unchanged.
A device is its name ("cpu", "cuda", "sympy"): everything that takes ``device=`` takes both.
"""
from __future__ import annotations

from types import SimpleNamespace

from ..backend import get_backend


class device(str):
    """A device name that also answers ``.type`` and ``.index``, as ``torch.device`` does."""

    def __new__(cls, name: str = "cpu", index: int | None = None):
        name = str(name)
        if index is not None and ":" not in name:
            name = f"{name}:{index}"
        get_backend(name)                         # an unknown device raises here, clearly
        return super().__new__(cls, name)

    @property
    def type(self) -> str:
        return self.split(":")[0]

    @property
    def index(self) -> int | None:
        return int(self.split(":")[1]) if ":" in self else None

    def __repr__(self) -> str:
        return f"device(type={self.type!r}" + (f", index={self.index})" if self.index is not None
                                                  else ")")


def _cuda_available() -> bool:
    try:
        get_backend("cuda")
    except (RuntimeError, ValueError):
        return False
    return True


def _device_count() -> int:
    return 1 if _cuda_available() else 0


cuda = SimpleNamespace(is_available=_cuda_available, device_count=_device_count)
