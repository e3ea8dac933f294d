"""GAN Lab engine: distributions, networks, objectives, Algorithm 1 and the probes that
turn a model state into what the page draws. Knows nothing about the web."""

from gan_core.config import ConfigError, LabConfig, parse_assignments
from gan_core.presets import PRESETS, get_preset
from gan_core.trainer import Trainer

__all__ = ["LabConfig", "ConfigError", "parse_assignments", "PRESETS", "get_preset", "Trainer"]
