"""One night: the SimPy processes (journey, gate, holding area, buses) and its outcome."""
