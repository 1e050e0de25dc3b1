"""Pictures: the graph (``draw``), the backward pass frame by frame (``draw_steps``), and the
plots a course needs (training curves, gradient norms, filters, optimizer paths).

matplotlib is imported only when a plot is made, Graphviz's ``dot`` only when a picture is
rendered to an image.
"""
from .draw import draw
from .images import plot_feature_maps, plot_filters, plot_receptive_field, receptive_field
from .plots import plot_grad_norms, plot_history, plot_optimizer_paths
from .render import GraphvizMissing, Picture, save
from .show import figure, output_folder, output_path, show
from .steps import Frames, draw_steps

__all__ = [
    "Frames", "GraphvizMissing", "Picture", "draw", "draw_steps", "figure", "output_folder",
    "output_path", "plot_feature_maps", "plot_filters", "plot_grad_norms", "plot_history",
    "plot_optimizer_paths", "plot_receptive_field", "receptive_field", "save", "show",
]
