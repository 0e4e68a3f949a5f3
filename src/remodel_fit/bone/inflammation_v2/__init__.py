"""``bone_inflammation_v2``: osteoclast-precursor pool, fast osteoclast removal, RANKL proportional to
expression, saturable denosumab PK, PTH and teriparatide, integrated bone balance at three sites."""

from __future__ import annotations

from .model import BONE_INFLAMMATION_V2

__all__ = ["BONE_INFLAMMATION_V2"]
