"""nn.optim: PyTorch's optimizers and learning-rate schedules, same rules and defaults.

>>> import nn
>>> model = nn.Linear(2, 1)
>>> opt = nn.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
"""
from . import lr_scheduler
from .adam import Adam, Adamax, AdamW, NAdam
from .adaptive import Adagrad, RMSprop
from .lr_scheduler import CosineAnnealingLR, LRScheduler, StepLR
from .optimizer import Optimizer
from .sgd import SGD

__all__ = [
    "SGD", "Adagrad", "Adam", "AdamW", "Adamax", "CosineAnnealingLR", "LRScheduler", "NAdam",
    "Optimizer", "RMSprop", "StepLR", "lr_scheduler",
]
