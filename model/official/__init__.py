"""The authors' released model (`official` architecture) and its checkpoint import."""
from .model import REFERENCE_OUTPUTS, SIZE_RULE, OfficialColorizer, check_size

__all__ = ["OfficialColorizer", "REFERENCE_OUTPUTS", "SIZE_RULE", "check_size"]
