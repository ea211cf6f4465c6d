"""Synthetic municipality: every landing file of contracts.md, with planted effects and a truth file.

from skolanalys.synth import generate, PRESETS
summary = generate("liten", seed=1, landing_dir=Path("data/landing"), truth_path=Path("data/truth.json"))
"""

from .build import generate
from .presets import PRESETS, Preset

__all__ = ["PRESETS", "Preset", "generate"]
