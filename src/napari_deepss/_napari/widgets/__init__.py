"""Dock widgets (magicgui) around core jobs."""
