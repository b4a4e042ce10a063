"""After training: choose the network's post-processing on its validation recordings (DeepSS's ``post_opt``).

The best network predicts each validation recording once; its probabilities
are summarised as they stream in (:class:`~napari_deepss.postprocess_choice.RecordingSummary`)
and :func:`~napari_deepss.postprocess_choice.choose_postprocessing` picks the
options. They go into ``_params.yaml`` under ``postprocess`` (read by
``dss predict``, ``dss evaluate`` and the Predict widget) and, for DeepSS
readers, ``post_opt`` (``gap_dur``, ``min_len``).
"""

from __future__ import annotations

from ..jobs import Progress
from ..postprocess import PARAMS_KEY
from ..postprocess_choice import RecordingSummary, choose_postprocessing, duration_grid
from .config import TrainConfig
from .split_prediction import SplitPrediction

PHASE = "post-processing"


def choose_on_validation(model, config: TrainConfig, params: dict, val, progress, values: dict) -> dict:
    """The entries of ``_params.yaml`` that record the post-processing chosen on the validation split ``val``.

    ``progress`` gets one report per predicted batch (phase ``post-processing``,
    ``values`` added to each).
    """
    prediction = SplitPrediction(model, params, val, "val", config.batch_size)
    summaries = [RecordingSummary(params["class_names"], params["class_types"], prediction.truth(index))
                 for index in range(len(prediction.pieces))]
    for step, (index, _, probabilities) in enumerate(prediction.blocks(), start=1):
        summaries[index].add(probabilities)
        progress(Progress(step, prediction.steps, "validation recordings", PHASE, values))
    choice = choose_postprocessing(
        summaries, float(params["samplerate_x_Hz"]),
        fill_gaps=duration_grid(config.post_opt_fill_gaps_min, config.post_opt_fill_gaps_max,
                                config.post_opt_fill_gaps_steps),
        min_lens=duration_grid(config.post_opt_min_len_min, config.post_opt_min_len_max, config.post_opt_min_len_steps),
    )
    options = choice.options
    deepss = {"gap_dur": options.segment_fillgap, "min_len": options.segment_minlen}
    if "segments" in choice.after:
        deepss["score_val"] = choice.after["segments"]["score"]
    return {PARAMS_KEY: options.to_dict(), "post_opt": deepss, "postprocess_choice": {**choice.record(),
            "summary": choice.describe()}}
