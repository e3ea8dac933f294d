"""The test process uses one torch thread (the server does too): results and timings do not
depend on how many cores the machine has. Long convergence runs are marked `convergence`;
`make test` runs them all (`pytest -m "not convergence"` skips them while iterating)."""

import torch

torch.set_num_threads(1)
