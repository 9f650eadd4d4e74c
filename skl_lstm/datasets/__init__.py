"""Bundled datasets (no download) and helpers to build forecasting data."""

from ._base import load_airline, make_supervised

__all__ = ["load_airline", "make_supervised"]
