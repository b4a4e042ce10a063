"""npe2 sample data: a synthetic fly-like song and its annotations, to try the plugin with one click."""

from __future__ import annotations

from ..synthetic import synthetic_song
from .annotation_layer import annotations_layers_data
from .recording_layers import belonging_to
from .spectrogram_layer import spectrogram_layer_data
from .viewer_hooks import hook_current_viewer
from .waveform_layer import with_waveform

SAMPLE_NAME = "synthetic_song"


def make_sample_song() -> list[tuple]:
    """Layer-data tuples: the song's spectrogram and waveform (images) and its annotations (segments as shapes,
    events as points).

    Like the reader, it prepares the current viewer so that the first view
    shows a few seconds with the frequency axis upward.
    """
    samples, samplerate, annotations = synthetic_song()
    image = spectrogram_layer_data(samples, samplerate, name=SAMPLE_NAME)
    annotation_layers = annotations_layers_data(annotations, image[1]["metadata"]["freq_range"], name=f"{SAMPLE_NAME}_annotations")
    hook_current_viewer()
    return belonging_to(SAMPLE_NAME, [*with_waveform(image), *annotation_layers])
