"""The pure core: working time, deadlines, documents and refusal grounds.

Nothing here imports Django or reads the clock; every function takes the date it judges on.
"""
