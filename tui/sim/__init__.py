"""The simulated AWS: a stateful WorkMail simulator plus moto's IAM/KMS/S3/STS.

    from tui.sim import SimulatedAws, ManualClock
    with SimulatedAws(world="demo", clock=ManualClock()) as sim:
        ...  # every boto3 client of this process now talks to the simulator

Only tests, the demo and benchmarks import this package; the product's core never does.
"""

from .clock import Clock, ManualClock, RealClock
from .faults import Faults
from .simulated_aws import SimulatedAws
from .worlds import World

__all__ = ["Clock", "Faults", "ManualClock", "RealClock", "SimulatedAws", "World"]
