"""dalearn: deep learning and statistical data assimilation are the same problem."""
__version__ = "0.1.0"
