"""nn.optim: PyTorch's optimizers and learning-rate schedules, same rules and defaults.

>>> import nn
>>> model = nn.Linear(2, 1)
>>> opt = nn.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
"""
from . import lr_scheduler
from .adadelta import Adadelta
from .adam import Adam, Adamax, AdamW, NAdam
from .adaptive import Adagrad, RMSprop
from .lbfgs import LBFGS
from .lr_scheduler import CosineAnnealingLR, LRScheduler, StepLR
from .optimizer import Optimizer
from .radam import RAdam
from .rprop import Rprop
from .sgd import SGD

__all__ = [
    "LBFGS", "SGD", "Adadelta", "Adagrad", "Adam", "AdamW", "Adamax", "CosineAnnealingLR",
    "LRScheduler", "NAdam", "Optimizer", "RAdam", "RMSprop", "Rprop", "StepLR", "lr_scheduler",
]
