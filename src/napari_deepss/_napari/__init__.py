"""The napari face: readers, writer, sample data and dock widgets.

It converts between napari layers and core objects and runs core jobs in
workers; it holds no algorithm of its own.
"""
