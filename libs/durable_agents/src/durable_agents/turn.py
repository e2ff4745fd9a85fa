"""`DurableTurn`: what one durable run knows between its model calls and its tool calls."""

from agents import FunctionTool, ModelResponse, Tool
from openai.types.responses import ResponseFunctionToolCall

from .batch import ToolBatch
from .cancellation import ToolRun


class DurableTurn:
    """One durable run: which agent is calling the model, and the latest response's tools.

    The run's model provider holds it (JournaledModels.turn), so a tool finds it through the
    `run_config` of its tool context: no context variable, nothing global.
    """

    def __init__(self) -> None:
        self.agent: str | None = None
        self.batch = ToolBatch([])
        # Every tool call of the run by call id, in the order started; output set on return.
        self.tool_runs: dict[str, ToolRun] = {}

    def tool_started(self, call_id: str, name: str, arguments: str) -> None:
        """A tool call of the run began."""
        self.tool_runs[call_id] = ToolRun(call_id, name, arguments)

    def tool_returned(self, call_id: str, output: object) -> None:
        """A tool call returned `output` (what the model is told)."""
        started = self.tool_runs.get(call_id)
        if started is not None:
            self.tool_runs[call_id] = ToolRun(call_id, started.name, started.arguments, str(output))

    def completed(self) -> list[ToolRun]:
        """The tool calls that returned, in the order they were started."""
        return [run for run in self.tool_runs.values() if run.output is not None]

    def unfinished(self) -> list[ToolRun]:
        """The tool calls that were started and did not return."""
        return [run for run in self.tool_runs.values() if run.output is None]

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
