"""Bundled datasets (no download) and helpers to build forecasting data."""

from ._base import load_airline, make_supervised
from ._panel import load_m4_weekly_sample

__all__ = ["load_airline", "load_m4_weekly_sample", "make_supervised"]
