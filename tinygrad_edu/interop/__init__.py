"""Graduating: hand a model to PyTorch or to ONNX Runtime.

``to_torch(model)`` and ``from_torch(module)`` translate a `Sequential` (or `MLP`) of
`Linear` layers and activations to ``torch.nn`` and back, weights included;
``save_torch(model, path)`` writes the PyTorch state_dict and ``torch_source(model)`` the
code that rebuilds the module to load it into; ``export_onnx(model, path)``
writes an ONNX file. torch and onnx are optional extras, imported only when called::

    from tinygrad_edu.interop import to_torch
    torch_model = to_torch(model)      # same layers, same weights, same dtype
"""

from ._common import SUPPORTED, UnsupportedModuleError
from .onnx_export import IR_VERSION, OPSET, export_onnx
from .pytorch import from_torch, save_torch, to_torch, torch_source

__all__ = ["to_torch", "from_torch", "save_torch", "torch_source", "export_onnx", "SUPPORTED",
           "UnsupportedModuleError", "OPSET", "IR_VERSION"]
