"""Open napari with every napari-deepss dock widget and a recording.

``python -m napari_deepss._napari.demo [PATH ...]`` opens the given recordings
(or, without paths, the synthetic sample song) and docks the plugin's widgets.
"""

from __future__ import annotations

import sys

PLUGIN = "napari-deepss"


def open_viewer(paths: list[str]):
    """A viewer showing ``paths`` (or the sample song) with all plugin widgets docked."""
    import napari
    from npe2 import PluginManager

    viewer = napari.Viewer(title="napari-deepss")
    if paths:
        viewer.open(paths, plugin=PLUGIN)
    else:
        viewer.open_sample(PLUGIN, "synthetic_song")
    manifest = PluginManager.instance().get_manifest(PLUGIN)
    for widget in manifest.contributions.widgets or []:
        viewer.window.add_plugin_dock_widget(PLUGIN, widget.display_name, tabify=True)
    return viewer


def main(argv: list[str] | None = None) -> None:
    import napari

    open_viewer(list(sys.argv[1:] if argv is None else argv))
    napari.run()


if __name__ == "__main__":
    main()
