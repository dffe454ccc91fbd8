"""One night: the SimPy processes (journey, gate, holding area, buses) and its outcome."""

__all__ = ["buses", "fates", "gate", "holding", "journey", "log", "night", "outcome"]
