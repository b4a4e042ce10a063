"""What a network costs and how far it sees, counted from its Keras layers.

:func:`flops_per_sample`: floating-point operations (a multiply-add counts
2) per input sample of one forward pass, from the layers that multiply:
convolutions (``2 * kernel * in_channels * out_channels`` per output frame;
separable and depthwise ones by their parts), dense layers (``2 * in * out``
per frame) and the STFT frontends (their DFT kernels, per channel and frame).
Element-wise layers (activations, normalisation, sums, up-sampling) are left
out: they are a few operations per value, against tens to thousands for the
others. Training costs about three forward passes (forward, and gradients for
both the activations and the weights).

:func:`context_samples`: how many input samples to each side of a sample can
change its output (the receptive field's half-width), from the kernel sizes,
dilations and strides, through every branch of the graph. Prediction chunks
(:mod:`.chunk_layout`) give a sample the same output as one pass over the
whole recording only where the chunk holds this many samples on both sides.

Neither imports TensorFlow; both take a built Keras model.
"""

from __future__ import annotations

import math


def _conv(layer, frames: int, cin: int, cout: int) -> float:
    groups = getattr(layer, "groups", 1) or 1
    return 2.0 * layer.kernel_size[0] * cin // groups * cout * frames


def _separable(layer, frames: int, cin: int, cout: int) -> float:
    depth = cin * layer.depth_multiplier
    return 2.0 * layer.kernel_size[0] * depth * frames + 2.0 * depth * cout * frames


def _depthwise(layer, frames: int, cin: int, cout: int) -> float:
    return 2.0 * layer.kernel_size[0] * cin * layer.depth_multiplier * frames


def _dense(layer, frames: int, cin: int, cout: int) -> float:
    return 2.0 * cin * cout * frames


def _stft(layer, frames: int, cin: int, cout: int) -> float:
    n_dft = layer.n_dft
    return 2.0 * n_dft * 2 * (n_dft // 2 + 1) * frames * cin  # real and imaginary kernels, every channel


_COUNTS = {"Conv1D": _conv, "SeparableConv1D": _separable, "DepthwiseConv1D": _depthwise, "Dense": _dense,
           "STFTMagnitudeDB": _stft, "DeepSSSpectrogram": _stft}


def layer_flops(model) -> dict[str, float]:
    """Forward FLOPs of one input chunk (batch 1) per layer name, for the layers that multiply."""
    counts = {}
    for layer in model.layers:
        count = _COUNTS.get(type(layer).__name__)
        if count is not None:
            inputs, outputs = layer.input.shape, layer.output.shape
            frames = math.prod(outputs[1:-1]) if len(outputs) > 2 else 1
            counts[layer.name] = count(layer, frames, inputs[-1], outputs[-1])
    return counts


def flops_per_sample(model) -> float:
    """Forward FLOPs per input sample (per time step of the input, all its channels together)."""
    return sum(layer_flops(model).values()) / model.input_shape[1]


def context_samples(model) -> int:
    """Input samples to each side of a sample that can change its output (receptive field half-width)."""
    reach = {id(t): (0.0, 1.0) for t in model.inputs}  # tensor -> (samples seen to a side, input samples per frame)
    for layer in model.layers:
        inputs = layer.input if isinstance(layer.input, (list, tuple)) else [layer.input]
        known = [reach[id(t)] for t in inputs if id(t) in reach]
        if not known:
            continue
        seen, step = max(s for s, _ in known), known[0][1]
        name = type(layer).__name__
        if name in ("Conv1D", "SeparableConv1D", "DepthwiseConv1D"):
            seen += math.ceil((layer.kernel_size[0] - 1) * layer.dilation_rate[0] / 2) * step
            step *= layer.strides[0]
        elif name in ("STFTMagnitudeDB", "DeepSSSpectrogram"):
            seen += layer.n_dft // 2 * step
            step *= getattr(layer, "hop", None) or layer.n_hop
        elif name in ("LinearUpSampling1D", "UpSampling1D"):
            seen += step  # a neighbouring frame
            step /= getattr(layer, "factor", None) or layer.size
        outputs = layer.output if isinstance(layer.output, (list, tuple)) else [layer.output]
        for tensor in outputs:
            reach[id(tensor)] = (seen, step)
    return int(math.ceil(max(reach[id(t)][0] for t in model.outputs)))
