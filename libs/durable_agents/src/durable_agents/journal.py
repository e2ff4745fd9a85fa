"""A model response as the journal keeps it: each output item exactly as the provider sent it.

`restate.ext.openai` journals the response as pydantic models and reads them back with
`model_validate_json`, which marks every field as set; the Agents SDK then builds the next
request's input with `model_dump(exclude_unset=True)` and sends nulls the model never sent
(`"async_": null`, `"phase": null`, ...), which the Responses API rejects with a 400. Here each
item is stored as the JSON of the fields that were set, by alias, and validated back from it, on
the first attempt and on every replay alike (restate-sdk hands the step's result back through
the serde in both cases).
"""

from typing import Any

from agents import ModelResponse, Usage
from agents.items import TResponseOutputItem
from pydantic import BaseModel, TypeAdapter

_OUTPUT = TypeAdapter(list[TResponseOutputItem])


class JournaledResponse(BaseModel):
    """What the `call LLM` step stores: the output items as sent, the usage, the ids."""

    output: list[dict[str, Any]]
    usage: Usage
    response_id: str | None = None
    request_id: str | None = None

    @classmethod
    def of(cls, response: ModelResponse) -> "JournaledResponse":
        """The response as the provider sent it: set fields only, by their wire names."""
        return cls(
            output=[
                item.model_dump(mode="json", exclude_unset=True, by_alias=True)
                for item in response.output
            ],
            usage=response.usage,
            response_id=response.response_id,
            request_id=response.request_id,
        )

    def to_response(self) -> ModelResponse:
        """The SDK's ModelResponse, with the same fields set as the original's items."""
        return ModelResponse(
            output=_OUTPUT.validate_python(self.output),
            usage=self.usage,
            response_id=self.response_id,
            request_id=self.request_id,
        )
