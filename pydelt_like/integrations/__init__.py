"""Adapters that let other libraries use pydelt_like's derivatives."""
