"""`DurableTurn`: what one durable run knows between its model calls and its tool calls."""

from agents import FunctionTool, ModelResponse, Tool
from openai.types.responses import ResponseFunctionToolCall

from .batch import ToolBatch


class DurableTurn:
    """One durable run: which agent is calling the model, and the latest response's tools.

    The run's model provider holds it (JournaledModels.turn), so a tool finds it through the
    `run_config` of its tool context: no context variable, nothing global.
    """

    def __init__(self) -> None:
        self.agent: str | None = None
        self.batch = ToolBatch([])

    def step_name(self) -> str:
        """The journal step of the next model call, named for the agent that makes it."""
        return f"call LLM: {self.agent}" if self.agent else "call LLM"

    def new_batch(self, response: ModelResponse, tools: list[Tool]) -> None:
        """The function calls of `response` are the tools that run next, in its order."""
        names = {tool.name for tool in tools if isinstance(tool, FunctionTool)}
        self.batch = ToolBatch(
            [
                item.call_id
                for item in response.output
                if isinstance(item, ResponseFunctionToolCall) and item.name in names
            ]
        )
