"""The sandbox history (`qamqor sandbox history`, decision 0027): years of applications of every
service the catalogue can take, at every stage, written in bulk with their chained trail."""

from qamqor.demo.history.generate import Result, generate_history

__all__ = ["Result", "generate_history"]
