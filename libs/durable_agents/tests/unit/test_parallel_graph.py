"""`parallel_tools` copies an agent graph, handoff cycles included, with its tools in batches."""

import pytest
from agents import Agent, FunctionTool, function_tool, handoff
from agents.models.openai_responses import OpenAIResponsesModel
from openai import AsyncOpenAI

from durable_agents import parallel_tools


@function_tool
def lookup(topic: str) -> str:
    """Look a topic up.

    Args:
        topic: What to look up.
    """
    return topic


@function_tool
def book(what: str) -> str:
    """Book something.

    Args:
        what: What to book.
    """
    return what


def _graph() -> tuple[Agent[None], list[Agent[None]]]:
    """A router handing off to two specialists, each able to hand back (a cycle)."""
    specialists = [
        Agent[None](name="Librarian", instructions="look things up", tools=[lookup]),
        Agent[None](name="Clerk", instructions="book things", tools=[book, lookup]),
    ]
    router = Agent[None](name="Router", handoffs=list(specialists))
    for specialist in specialists:
        specialist.handoffs.append(router)
    return router, specialists


def test_the_copy_keeps_the_cycle_and_the_shape_and_leaves_the_original() -> None:
    router, specialists = _graph()
    copy = parallel_tools(router)

    assert copy is not router and copy.name == "Router"
    copied = copy.handoffs
    assert [a.name for a in copied] == ["Librarian", "Clerk"]  # type: ignore[union-attr]
    for new, old in zip(copied, specialists, strict=True):
        assert isinstance(new, Agent) and new is not old
        assert new.instructions == old.instructions
        (back,) = new.handoffs
        assert back is copy  # the copied router, not the original
        for new_tool, old_tool in zip(new.tools, old.tools, strict=True):
            assert isinstance(new_tool, FunctionTool) and isinstance(old_tool, FunctionTool)
            assert new_tool.name == old_tool.name
            assert new_tool.on_invoke_tool is not old_tool.on_invoke_tool
            assert new_tool.params_json_schema == old_tool.params_json_schema
    # The originals are as they were.
    assert router.handoffs == specialists
    assert all(s.handoffs == [router] for s in specialists)


def test_starting_elsewhere_in_the_graph_copies_the_same_graph() -> None:
    router, specialists = _graph()
    clerk = parallel_tools(specialists[1])
    (copied_router,) = clerk.handoffs
    assert isinstance(copied_router, Agent) and copied_router is not router
    assert [a.name for a in copied_router.handoffs] == ["Librarian", "Clerk"]  # type: ignore[union-attr]
    assert copied_router.handoffs[1] is clerk


def test_handoff_objects_are_kept_as_they_are() -> None:
    custom = handoff(Agent(name="Helper"))
    assert parallel_tools(Agent(name="A", handoffs=[custom])).handoffs == [custom]


def test_a_model_object_on_an_agent_is_refused_it_would_bypass_the_journal() -> None:
    model = OpenAIResponsesModel(model="gpt-test", openai_client=AsyncOpenAI(api_key="k"))
    reachable = Agent(name="Direct", model=model)
    with pytest.raises(TypeError, match="Direct"):
        parallel_tools(Agent(name="Router", handoffs=[reachable]))
