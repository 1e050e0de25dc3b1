"""nn: PyTorch-shaped neural networks built only from autodiff ops.

Names, constructor arguments, parameter shapes, state_dict keys, default initialisation
and update rules follow PyTorch, so what is learned here carries over one to one.

>>> import nn
>>> model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3))
>>> [name for name, _ in model.named_parameters()]
['0.weight', '0.bias', '2.weight', '2.bias']
"""
from . import functional, init, models, optim
from .containers import Identity, ModuleList, Sequential
from .layers.activation import LeakyReLU, LogSoftmax, ReLU, Sigmoid, Softmax, Step, Tanh
from .layers.blocks import BasicConv2d, Bottleneck, Inception, ResidualBlock
from .layers.conv import Conv2d
from .layers.dropout import Dropout
from .layers.linear import Flatten, Linear
from .layers.norm import BatchNorm1d, BatchNorm2d, LocalResponseNorm
from .layers.pool import AdaptiveAvgPool2d, AvgPool2d, MaxPool2d
from .losses import BCEWithLogitsLoss, CrossEntropyLoss, MSELoss, NLLLoss
from .module import Module, Parameter, StateDictError
from .rng import manual_seed
from .summary import Summary, conv_output_size, count_parameters, receptive_field, summary

__all__ = [
    "AdaptiveAvgPool2d", "AvgPool2d", "BCEWithLogitsLoss", "BasicConv2d", "BatchNorm1d",
    "BatchNorm2d", "Bottleneck", "Conv2d", "CrossEntropyLoss", "Dropout", "Flatten", "Identity",
    "Inception", "LeakyReLU", "Linear", "LocalResponseNorm", "LogSoftmax", "MSELoss", "MaxPool2d",
    "Module", "ModuleList", "NLLLoss", "Parameter", "ReLU", "ResidualBlock", "Sequential",
    "Sigmoid", "Softmax", "StateDictError", "Step", "Summary", "Tanh", "conv_output_size",
    "count_parameters", "functional", "init", "manual_seed", "models", "optim", "receptive_field",
    "summary",
]

# ---- more layers, losses and containers (issue 14) ----
from . import utils
from .containers import ModuleDict
from .layers.activation_smooth import ELU, GELU, Hardtanh, Mish, PReLU, ReLU6, SiLU, Softplus
from .layers.conv1d import Conv1d
from .layers.conv_transpose import ConvTranspose2d
from .layers.dropout import Dropout2d
from .layers.embedding import Embedding
from .layers.layer_norm import GroupNorm, LayerNorm
from .layers.linear import Unflatten
from .layers.pool1d import AvgPool1d, MaxPool1d
from .layers.upsample import Upsample
from .losses_more import BCELoss, HuberLoss, KLDivLoss, L1Loss, SmoothL1Loss
from .parameter_containers import ParameterDict, ParameterList

__all__ += [
    "ELU", "GELU", "AvgPool1d", "BCELoss", "Conv1d", "ConvTranspose2d", "Dropout2d", "Embedding",
    "GroupNorm", "Hardtanh", "HuberLoss", "KLDivLoss", "L1Loss", "LayerNorm", "MaxPool1d", "Mish",
    "ModuleDict", "PReLU", "ParameterDict", "ParameterList", "ReLU6", "SiLU", "SmoothL1Loss", "Softplus",
    "Unflatten", "Upsample", "utils",
]

# ---- training (nn/data.py, nn/train.py, nn/evaluate.py, nn/checkpoint.py) ----
from . import data
from .callbacks import Callback, EarlyStopping
from .checkpoint import CheckpointError, load, load_checkpoint, save, save_checkpoint
from .divergence import TrainingDiverged
from .evaluate import Evaluation, evaluate
from .to_torch import to_torch
from .train import History, fit

__all__ += [
    "Callback", "CheckpointError", "EarlyStopping", "Evaluation", "History", "data",
    "evaluate", "fit", "load", "load_checkpoint", "save", "save_checkpoint", "to_torch",
]
__all__ += ["TrainingDiverged"]
