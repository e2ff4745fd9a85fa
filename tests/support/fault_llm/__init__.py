"""The test LLM endpoint: the OpenAI API over real HTTP, strict as the real one, with faults.

server.py serves it and injects faults, validation.py (with schema.py) judges each request as the
real API would, answers.py answers with the offline model's decisions.
"""

from .answers import REFUSAL, Profile
from .schema import Problem
from .server import TRANSIENT, Fault, FaultLLM
from .validation import Verdict, shapes, validate

__all__ = [
    "REFUSAL",
    "TRANSIENT",
    "Fault",
    "FaultLLM",
    "Problem",
    "Profile",
    "Verdict",
    "shapes",
    "validate",
]
